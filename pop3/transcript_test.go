package pop3

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// TestTranscripts runs every testdata/*.txt transcript (format in
// internal/testutil) against a fresh server on the fixture tree. Lines
// "#! option [value]" at the top change the server's options:
//
//	#! motd            Motd=True, with testdata/motd.txt as the file
//	#! debug           /DEBUG
//	#! nohttpget       HTTPGet=False
//	#! nobackspace     NoBackSpace=True
//	#! maxfailed N     a Guard that ends a session at its Nth failed command
//	#! welcome TEXT    POPWelcome=TEXT
func TestTranscripts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, file := range files {
		if filepath.Base(file) == "motd.txt" {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			e := startServer(t, transcriptOptions(t, string(data))...)
			testutil.Transcript(t, e.addr, string(data))
		})
	}
}

func transcriptOptions(t *testing.T, script string) []func(*Options) {
	var mods []func(*Options)
	for _, line := range strings.Split(script, "\n") {
		rest, found := strings.CutPrefix(strings.TrimSpace(line), "#!")
		if !found {
			continue
		}
		name, value, _ := strings.Cut(strings.TrimSpace(rest), " ")
		number := func() int {
			n, err := strconv.Atoi(value)
			if err != nil {
				t.Fatalf("transcript option %q: %v", line, err)
			}
			return n
		}
		switch name {
		case "motd":
			motd, _ := filepath.Abs(filepath.Join("testdata", "motd.txt"))
			mods = append(mods, func(o *Options) { o.Server.Motd, o.MotdPath = true, motd })
		case "debug":
			mods = append(mods, func(o *Options) { o.Server.Debug = true })
		case "nohttpget":
			mods = append(mods, func(o *Options) { o.Server.HTTPGet = false })
		case "nobackspace":
			mods = append(mods, func(o *Options) { o.Server.NoBackSpace = true })
		case "maxfailed":
			n := number()
			mods = append(mods, func(o *Options) { o.Guard = failLimit{n: n} })
		case "welcome":
			mods = append(mods, func(o *Options) { o.POP.Welcome = value })
		default:
			t.Fatalf("unknown transcript option %q", line)
		}
	}
	return mods
}
