package main

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileNamesPortable: every file in the source tree can be checked out
// and read on Windows. A file named like a device (nul, con, com1...,
// whatever its extension) opens the device there, so a fuzz seed called
// "nul" read as empty under Wine; characters Windows forbids, and trailing
// dots or spaces, cannot be created at all.
func TestFileNamesPortable(t *testing.T) {
	t.Parallel()
	devices := map[string]bool{"con": true, "prn": true, "aux": true, "nul": true,
		"conin$": true, "conout$": true, "clock$": true}
	for _, p := range []string{"com", "lpt"} {
		for d := '0'; d <= '9'; d++ {
			devices[p+string(d)] = true
		}
	}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == ".git" || name == "run") {
			return filepath.SkipDir
		}
		base := strings.ToLower(strings.TrimRight(strings.SplitN(name, ".", 2)[0], " "))
		switch {
		case devices[base]:
			t.Errorf("%s: a Windows device name", path)
		case strings.ContainsAny(name, `<>:"|?*\`):
			t.Errorf("%s: a character Windows forbids in names", path)
		case name != "." && (strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ")):
			t.Errorf("%s: a trailing dot or space, which Windows drops", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
