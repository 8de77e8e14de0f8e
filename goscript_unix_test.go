//go:build unix

package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var smtpListening = regexp.MustCompile(`SMTP +listening on (\S+:\d+)`)

// TestSecondGoShRefuses runs go.sh as a user would, beside a copy of the
// program, twice: the second must refuse, say why, and leave the first
// running (it used to run "mailq /stop" first, which silently stopped it).
func TestSecondGoShRefuses(t *testing.T) {
	t.Parallel()
	dir := goShFolder(t, testINI)
	first := startScript(t, dir, "go.sh")
	first.waitOutput("SMTP instance running")
	first.waitOutput("POP3 instance running")
	m := smtpListening.FindStringSubmatch(first.out())
	if m == nil {
		t.Fatalf("no SMTP address in:\n%s", first.out())
	}

	second := startScript(t, dir, "go.sh")
	if code := second.wait(30 * time.Second); code != 1 {
		t.Fatalf("second go.sh exit code %d, want 1:\n%s", code, second.out())
	}
	out := second.out()
	for _, want := range []string{"already running", "nothing was started or stopped", "/stop", "SMTP instance is running", "POP3 instance is running"} {
		if !strings.Contains(out, want) {
			t.Errorf("second go.sh output lacks %q:\n%s", want, out)
		}
	}
	if g := greeting(t, m[1]); !strings.HasPrefix(g, "220") {
		t.Fatalf("first SMTP instance disturbed: %q", g)
	}
	if o := first.out(); strings.Contains(o, "shutting down") || strings.Contains(o, "removed") {
		t.Fatalf("the second go.sh stopped the first:\n%s", o)
	}
	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop: %s", out)
	}
	if code := first.wait(30 * time.Second); code != 0 {
		t.Fatalf("first go.sh exit code %d after /stop:\n%s", code, first.out())
	}
}

// startScript runs the shell script name in dir in a process group of its
// own, so that the instances it starts are killed with it if the test fails.
func startScript(t *testing.T, dir, name string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(filepath.Join(dir, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// The script's children hold its output open; do not wait for them
	// once it has exited.
	cmd.WaitDelay = 5 * time.Second
	in := startCmd(t, cmd, dir, nil, args)
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return in
}
