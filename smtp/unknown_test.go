package smtp

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"mailq/config"
)

// TestUnknownFoldersCount: the folder count is reused for foldersTTL, new
// names accepted meanwhile count at once, names with a folder are always
// allowed, and after foldersTTL the folder is counted again.
func TestUnknownFoldersCount(t *testing.T) {
	t.Parallel()
	o, qdir := baseOptionsDir(t)
	unknown := config.DefaultPaths(filepath.Dir(qdir)).Unknown
	mk := func(name string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(unknown, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mk("a@test.example")
	var f unknownFolders
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		addr string
		at   time.Duration
		want bool
	}{
		{"new1@test.example", 0, true},                      // 1 on disk + new1 = 2
		{"new2@test.example", 100 * time.Millisecond, true}, // 3
		{"new3@test.example", 200 * time.Millisecond, false},
		{"new3@test.example", 0, false},                                // the moment of the count: still that count
		{"a@test.example", 300 * time.Millisecond, true},               // has a folder
		{"new4@test.example", foldersTTL, true},                        // foldersTTL exactly: recounted, 1 on disk
		{"new3@test.example", foldersTTL + 300*time.Millisecond, true}, // the new count: 1 on disk + new4 + new3
	}
	for _, s := range steps {
		ok, err := f.allow(o.Tree, s.addr, 3, t0.Add(s.at))
		if err != nil || ok != s.want {
			t.Errorf("allow(%s) at +%v = %v, %v; want %v", s.addr, s.at, ok, err, s.want)
		}
	}
}
