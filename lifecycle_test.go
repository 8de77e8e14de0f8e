package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHelpAndUsageErrors(t *testing.T) {
	t.Parallel()
	for _, sw := range []string{"/?", "/H", "-h", "--help"} {
		t.Run(sw, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			code, out := mailq(t, dir, sw)
			if code != 0 || !strings.Contains(out, "/ADDUSER") || !strings.Contains(out, "/STOP") {
				t.Fatalf("exit %d, output:\n%s", code, out)
			}
			if names := listDir(t, dir); len(names) != 0 {
				t.Fatalf("help created files: %v", names)
			}
		})
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"/NOSUCH"}, "/NOSUCH"},
		{[]string{"/SMTPMODE:0"}, "/SMTPMODE:0"},
		{[]string{"/ADDUSER:a@b"}, "/PW"},
		// An address the accounts cannot store is a usage error (2), found
		// by the switch parser, not a refused command (3): one parser.
		{[]string{"/ADDUSER:bo=b@x.test", "/PW:x"}, "/ADDUSER:bo=b@x.test: expected an address"},
		{[]string{"/DELUSER:#bob@x.test"}, "/DELUSER:#bob@x.test: expected an address"},
		{[]string{"/POP", "/MDA"}, "/MDA"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			code, out := mailq(t, dir, c.args...)
			if code != exitUsage || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d (want %d), output should name %q:\n%s", code, exitUsage, c.want, out)
			}
			if names := listDir(t, dir); len(names) != 0 {
				t.Fatalf("refused command created files: %v", names)
			}
		})
	}
}

func TestStopRemovesLockAndInstanceExits(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	smtp := start(t, dir)
	pop := start(t, dir, "/pop")
	if g := greeting(t, smtp.addr); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("SMTP greeting %q", g)
	}
	if g := greeting(t, pop.addr); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("POP3 greeting %q", g)
	}
	for _, f := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("lock file %s: %v", f, err)
		}
	}

	code, out := mailq(t, dir, "/stop:smtp")
	if code != 0 || !strings.Contains(out, "stopping the SMTP instance") {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	if code := smtp.wait(10 * time.Second); code != 0 {
		t.Fatalf("SMTP instance exit code %d", code)
	}
	if _, err := net.DialTimeout("tcp", smtp.addr, time.Second); err == nil {
		t.Fatal("SMTP port still accepts connections after the instance stopped")
	}
	if g := greeting(t, pop.addr); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("POP3 instance affected by /stop:smtp: %q", g)
	}

	code, out = mailq(t, dir, "/stop")
	if code != 0 || !strings.Contains(out, "stopping the POP3 instance") || !strings.Contains(out, "no SMTP instance") {
		t.Fatalf("/stop exit %d:\n%s", code, out)
	}
	if code := pop.wait(10 * time.Second); code != 0 {
		t.Fatalf("POP3 instance exit code %d", code)
	}
	for _, f := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Fatalf("lock file %s left behind: %v", f, err)
		}
	}
}

// TestSecondInstanceRefused: a second instance of either kind says in one
// line, before any banner, that it was not started, who runs, and how to
// stop it; the first goes on serving.
func TestSecondInstanceRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"not started", "SMTP instance", "already running", "pid ", "/stop:smtp"}},
		{[]string{"/pop"}, []string{"not started", "POP3 instance", "already running", "pid ", "/stop:pop"}},
	} {
		t.Run(strings.Join(append([]string{"mailq"}, c.args...), " "), func(t *testing.T) {
			t.Parallel()
			dir := newTree(t, "")
			first := start(t, dir, c.args...)
			second := startNoWait(t, dir, c.args...)
			if code := second.wait(20 * time.Second); code != exitFailed {
				t.Fatalf("second instance exit code %d, want %d:\n%s", code, exitFailed, second.out())
			}
			out := strings.TrimRight(second.out(), "\n")
			if strings.Contains(out, "\n") {
				t.Errorf("second instance should print one line, the refusal, and no banner:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("refusal lacks %q:\n%s", w, out)
				}
			}
			if g := greeting(t, first.addr); g == "" || !(strings.HasPrefix(g, "220") || strings.HasPrefix(g, "+OK")) {
				t.Fatalf("first instance disturbed: %q", g)
			}
			if strings.Contains(first.out(), "shutting down") {
				t.Fatalf("first instance is shutting down:\n%s", first.out())
			}
		})
	}
}

func TestSignalStops(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	t.Parallel()
	dir := newTree(t, "")
	in := start(t, dir)
	in.cmd.Process.Signal(syscall.SIGTERM)
	if code := in.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); !os.IsNotExist(err) {
		t.Fatalf("lock file left after SIGTERM: %v", err)
	}
}

func TestStaleLockTakenOver(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("uses kill -9")
	}
	t.Parallel()
	dir := newTree(t, "")
	in := start(t, dir)
	in.cmd.Process.Kill() // kill -9: the lock file stays behind
	in.wait(10 * time.Second)
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); err != nil {
		t.Fatalf("expected a stale lock file after kill -9: %v", err)
	}
	again := start(t, dir)
	if !strings.Contains(again.out(), "stale lock") {
		t.Fatalf("restart should warn about the stale lock:\n%s", again.out())
	}
}

func TestPortInUseSaysHowToChoose(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := newTree(t, "")
	in := startNoWait(t, dir, "/PORT:"+itoa(port))
	if code := in.wait(20 * time.Second); code != exitFailed {
		t.Fatalf("exit code %d, want %d", code, exitFailed)
	}
	if out := in.out(); !strings.Contains(out, "already in use") || !strings.Contains(out, "/PORT:n") {
		t.Fatalf("the error should say the port is in use and how to pick another:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); !os.IsNotExist(err) {
		t.Fatalf("lock file left after a failed start: %v", err)
	}
}

func TestQuickStartWithoutINI(t *testing.T) {
	t.Parallel()
	// A copy of the program in a folder of its own, run from elsewhere: with
	// no mailq.ini anywhere the quick-start tree lives beside the program,
	// and account commands run from any folder write the INI there too.
	home, elsewhere := t.TempDir(), t.TempDir()
	exe := filepath.Join(home, filepath.Base(binary))
	// A hard link, not a written copy: a file this process just wrote can
	// fail to run with ETXTBSY while parallel tests fork (the write
	// descriptor leaks into their children for a moment).
	if err := os.Link(binary, exe); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		cmd := exec.Command(exe, args...)
		cmd.Dir = elsewhere
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	// The quick-start settings use port 2525; override only the port to
	// stay clear of a real server on this machine.
	in := startExe(t, exe, elsewhere, "/PORT:0")
	in.waitOutput("instance running")
	out := in.out()
	for _, want := range []string{"quick-start", "no accounts yet", "/adduser:admin@localhost /pw:secret"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	code, msg := run("/adduser:admin@localhost", "/pw:secret")
	if code != 0 || !strings.Contains(msg, "created") {
		t.Fatalf("/adduser exit %d:\n%s", code, msg)
	}
	// It creates mailq.ini: it must not also say it runs without one.
	if strings.Contains(msg, "running with") || strings.Contains(msg, "warning") {
		t.Errorf("/adduser contradicts itself:\n%s", msg)
	}
	// The help says where /ADDUSER writes mailq.ini, and it is so (below).
	if _, help := run("/?"); !strings.Contains(help, "/ADDUSER writes them to mailq.ini in the program's folder") {
		t.Errorf("/? does not say that /ADDUSER writes mailq.ini beside the program:\n%s", help)
	}
	ini, err := os.ReadFile(filepath.Join(home, "mailq.ini"))
	if err != nil || !strings.Contains(string(ini), "admin@localhost=v1:") || !strings.Contains(string(ini), "SMTPPort=2525") {
		t.Fatalf("mailq.ini beside the program after /adduser (%v):\n%s", err, ini)
	}
	for _, f := range []string{"queue", "users", "mailq.key"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("%s not beside the program: %v", f, err)
		}
	}
	if names := listDir(t, elsewhere); len(names) != 0 {
		t.Errorf("files written in the current folder: %v", names)
	}
	if code, out := run("/stop"); code != 0 {
		t.Fatalf("/stop failed:\n%s", out)
	}
	in.wait(10 * time.Second)
}

func itoa(n int) string { return strconv.Itoa(n) }
