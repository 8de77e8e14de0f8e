//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailq/internal/testutil"
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

var popListening = regexp.MustCompile(`POP3 +listening on (\S+:\d+)`)

// TestReadmeQuickStart follows the README's quick start with the program
// and go.sh in a folder of their own: go.sh starts both instances from the
// built-in settings (with /PORT:0, as tests never take fixed ports), then
// the commands of the README's second block run as written, but for the
// ports, from another folder: /adduser, swaks, curl.
func TestReadmeQuickStart(t *testing.T) {
	t.Parallel()
	block := readmeBlock(t, "## Quick start", "/adduser")
	dir := goShFolder(t, "")
	in := startScript(t, dir, "go.sh", "/PORT:0")
	in.waitOutput("SMTP instance running")
	in.waitOutput("POP3 instance running")
	smtpAddr, popAddr := smtpListening.FindStringSubmatch(in.out()), popListening.FindStringSubmatch(in.out())
	if smtpAddr == nil || popAddr == nil {
		t.Fatalf("no addresses in:\n%s", in.out())
	}
	r := strings.NewReplacer("run/mailq", filepath.Join(dir, "mailq"),
		"127.0.0.1:2525", smtpAddr[1], "127.0.0.1:1100", popAddr[1])
	elsewhere := t.TempDir()
	var last string
	for _, line := range block {
		if i := strings.Index(line, "  #"); i >= 0 {
			line = line[:i]
		}
		args := strings.Fields(r.Replace(line))
		if len(args) == 0 {
			continue
		}
		prog := args[0]
		if !filepath.IsAbs(prog) {
			prog = testutil.Program(t, prog)
		}
		if args[0] == "curl" {
			// The MDA files the message a moment after swaks got 250.
			waitGlob(t, filepath.Join(dir, "users", "admin@localhost", "*.eml"), 1, in)
		}
		cmd := exec.Command(prog, args[1:]...)
		cmd.Dir = elsewhere
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		last = string(out)
	}
	if !strings.Contains(last, "This is a test mailing") {
		t.Errorf("the last command of the quick start did not show the message:\n%s", last)
	}
	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop: %s", out)
	}
	if code := in.wait(30 * time.Second); code != 0 {
		t.Fatalf("go.sh exit code %d after /stop:\n%s", code, in.out())
	}
}

// readmeBlock returns the lines of the first ```sh block in README.md after
// the heading that contains want.
func readmeBlock(t *testing.T, heading, want string) []string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no %q", heading)
	}
	for _, b := range strings.Split(text[i:], "```sh\n")[1:] {
		body, _, _ := strings.Cut(b, "```")
		if strings.Contains(body, want) {
			return strings.Split(strings.TrimSpace(body), "\n")
		}
	}
	t.Fatalf("README.md: no sh block with %q after %q", want, heading)
	return nil
}
