//go:build linux

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// TestWindowsService: under Wine's service manager, a service /INSTALL
// registered starts with "sc start", answers SMTP, stops with "sc stop"
// the way "mailq /stop" stops an instance, and /UNINSTALL removes it.
//
// Two things of Wine's shape the test. Wine's services.exe runs in session
// 1 (Windows': session 0), so x/sys/windows/svc.IsWindowsService, which
// looks for a parent services.exe in session 0, says no there: that is why
// mailq's installed command line starts with its own /SERVICE switch
// (before it, the service ran as a console instance, never answered the
// service manager and was ended after Wine's 10 s start time-out, error
// 1053). And the wineserver, with its services.exe and every service, ends
// a few seconds after the last ordinary Wine program has: the test makes
// it persistent (wineserver -p) while the service runs.
func TestWindowsService(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail server")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWine(t, dir)
	// A wineserver that runs (left by the prefix's making) cannot be made
	// persistent: end it, then start the persistent one. Its output goes
	// to no pipe: the server keeps it open while it runs.
	for _, args := range [][]string{{"-k"}, {"-w"}, {"-p"}} {
		server := exec.Command("tools/wine/server", args...)
		server.Env = w.env
		if err := server.Run(); err != nil && args[0] == "-p" {
			t.Fatalf("wineserver -p: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(testINI), 0o644); err != nil {
		t.Fatal(err)
	}
	// sc's output goes to a file: the first Wine program of a server
	// starts services.exe, which inherits its handles and outlives it.
	sc := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		f, err := os.CreateTemp(t.TempDir(), "sc-output")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c := exec.CommandContext(ctx, w.wine, append([]string{"sc"}, args...)...)
		c.Env, c.Stdout, c.Stderr = w.env, f, f
		_ = c.Run() // sc's exit code is a Windows error; the state is what counts
		out, _ := os.ReadFile(f.Name())
		if ctx.Err() != nil {
			t.Fatalf("sc %v timed out:\n%s", args, out)
		}
		return string(out)
	}
	state := regexp.MustCompile(`STATE\s+:\s+\d+\s+(\w+)`)
	stateOf := func(name string) string {
		m := state.FindStringSubmatch(sc("query", name))
		if m == nil {
			return ""
		}
		return m[1]
	}

	sc("query", "mqtest-smtp") // the first Wine program: see sc
	w.must(dir, "installed the service mqtest-smtp", "/install:mqtest")
	t.Cleanup(func() { w.run(dir, "/uninstall:mqtest") })
	sc("start", "mqtest-smtp")
	log := filepath.Join(dir, "logs", "server.log")
	listening := regexp.MustCompile(`SMTP,INFO,listening on (127\.0\.0\.1:\d+)`)
	var addr string
	testutil.EventuallyShow(t, "the service's SMTP listener in the log", func() bool {
		data, _ := os.ReadFile(log)
		if m := listening.FindSubmatch(data); m != nil {
			addr = string(m[1])
		}
		return addr != ""
	}, func() string { data, _ := os.ReadFile(log); return string(data) + sc("query", "mqtest-smtp") })
	if g := greeting(t, addr); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("the service's greeting: %q", g)
	}
	if s := stateOf("mqtest-smtp"); s != "RUNNING" {
		t.Fatalf("the service answers SMTP but is %q", s)
	}

	sc("stop", "mqtest-smtp")
	testutil.EventuallyShow(t, "the service stopped", func() bool { return stateOf("mqtest-smtp") == "STOPPED" },
		func() string { data, _ := os.ReadFile(log); return string(data) })
	if data, _ := os.ReadFile(log); !strings.Contains(string(data), "SMTP instance stopped") {
		t.Errorf("the stopped service did not end as an instance does:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); !os.IsNotExist(err) {
		t.Errorf("smtpserver.lck left after sc stop: %v", err)
	}
	w.must(dir, "removed the service mqtest-smtp", "/uninstall:mqtest")
	if s := stateOf("mqtest-smtp"); s != "" {
		t.Errorf("after /uninstall the service is %q", s)
	}
}
