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
// is named in a warning when the agent is built; one that exists is not.
func TestMissingScriptWarned(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	present := filepath.Join(tb.root, "present.sh")
	if err := os.WriteFile(present, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tb.root, "missing.sh")
	tb.agent(func(o *Options) {
		o.Scripts = config.Scripts{Enabled: true, System: present,
			PerUser: map[string]string{"alice@test.example": missing}}
	})
	out := tb.console.String()
	if !strings.Contains(out, "delivery script "+missing) {
		t.Errorf("no warning for the missing script %s:\n%s", missing, out)
	}
	if strings.Contains(out, "delivery script "+present) {
		t.Errorf("a warning for the script that exists:\n%s", out)
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
