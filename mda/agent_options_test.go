package mda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/config"
)

// TestNiceDefault: a Nice of zero or less means the /NICE default, so the
// agent runs (a zero interval would stop the rescan ticker from starting)
// and, with no wake-up channel, its rescan files a set dropped in the queue.
func TestNiceDefault(t *testing.T) {
	t.Parallel()
	for _, nice := range []time.Duration{0, -time.Second} {
		t.Run(nice.String(), func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			r := tb.run(func(o *Options) { o.Nice = nice })
			wait(t, r.scans, "the first scan")
			id := tb.commit("s@far.example", []string{"alice@test.example"}, "Subject: x\r\n\r\nbody\r\n")
			if got := wait(t, r.filed, "the rescan to file the set"); got != id {
				t.Fatalf("filed %s, want %s", got, id)
			}
		})
	}
}

// TestMissingScriptWarned: a configured delivery script that does not exist
// (the "*" one or a user's) is named in a warning when the agent is built;
// one that exists is not, and with none configured there is no warning.
func TestMissingScriptWarned(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name            string
		system, peruser string // "present", "missing" or "" for none
	}{
		{"system missing", "missing", "present"},
		{"per-user missing", "present", "missing"},
		{"none", "", ""},
	}
	for _, c := range cases {
		tb := newTestbed(t)
		path := func(which string) string {
			if which == "" {
				return ""
			}
			return filepath.Join(tb.root, c.name+"-"+which+".sh")
		}
		for _, p := range []string{c.system, c.peruser} {
			if p == "present" {
				if err := os.WriteFile(path(p), []byte("#!/bin/sh\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
		}
		sc := config.Scripts{Enabled: true, System: path(c.system)}
		if c.peruser != "" {
			sc.PerUser = map[string]string{"alice@test.example": path(c.peruser)}
		}
		tb.agent(func(o *Options) { o.Scripts = sc })
		out := tb.console.String()
		for _, p := range []string{c.system, c.peruser} {
			if p == "" {
				continue
			}
			// The base name: the console escapes the path (on Windows its
			// "\u" of C:\users is shown as "\\u").
			warned := strings.Contains(out, "delivery script ") && strings.Contains(out, filepath.Base(path(p)))
			if warned != (p == "missing") {
				t.Errorf("%s: warned about %s: %v:\n%s", c.name, path(p), warned, out)
			}
		}
		if c.system == "" && c.peruser == "" && strings.Contains(out, "delivery script") {
			t.Errorf("%s: a warning without a script:\n%s", c.name, out)
		}
	}
}

// TestListErrorLoggedOnce: a queue that cannot be listed is logged on the
// first failed scan, and not again on every rescan while the error is the
// same.
func TestListErrorLoggedOnce(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	if err := os.RemoveAll(tb.paths.Queue); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tb.paths.Queue, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := tb.run(func(o *Options) { o.Nice = time.Millisecond })
	for range 5 {
		wait(t, r.scans, "a rescan")
	}
	if n := strings.Count(tb.console.String(), "cannot list the queue"); n != 1 {
		t.Errorf("the listing error was logged %d times, want once:\n%s", n, tb.console.String())
	}
}
