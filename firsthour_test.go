package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/inifile"
	"mailq/internal/testutil"
)

// TestStatus: /STATUS says which instances run from the folder and exits 0
// when one does, exitIdle when none does, so that scripts can ask.
func TestStatus(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	code, out := mailq(t, dir, "/status")
	if code != exitIdle || strings.Count(out, "is not running") != 4 { // SMTP, POP3, web, sink
		t.Fatalf("/status with nothing running: exit %d (want %d):\n%s", code, exitIdle, out)
	}
	in := start(t, dir, "/pop")
	code, out = mailq(t, dir, "/status")
	pid := itoa(in.cmd.Process.Pid)
	if code != exitOK || !strings.Contains(out, "POP3 instance is running") || !strings.Contains(out, "pid "+pid) ||
		!strings.Contains(out, "SMTP instance is not running") {
		t.Fatalf("/status with the POP3 instance running: exit %d (want 0):\n%s", code, out)
	}
	if strings.Contains(in.out(), "shutting down") {
		t.Fatalf("/status disturbed the instance:\n%s", in.out())
	}
	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop: %s", out)
	}
	in.wait(10 * time.Second)
}

// goShFolder is a folder as a user unpacks it: the program, go.sh and
// mailq.ini (ini; none if "").
func goShFolder(t *testing.T, ini string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, binary, filepath.Join(dir, "mailq"), 0o755)
	copyFile(t, "go.sh", filepath.Join(dir, "go.sh"), 0o755)
	if ini != "" {
		if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}

// TestAddUserWithoutDomains: with a copied mailq.ini.example ([Domains]
// empty, HostDomain unset) mail to a new account went to the external queue
// and never reached its mailbox. /ADDUSER now makes the account's domain
// the first local one and says so; start-up then warns about nothing, and a
// message sent with the account's login is delivered to its mailbox.
func TestAddUserWithoutDomains(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyFile(t, "mailq.ini.example", filepath.Join(dir, "mailq.ini"), 0o644)
	code, out := mailq(t, dir, "/adduser:a@localhost", "/pw:secret")
	if code != 0 || !strings.Contains(out, "added Domain1=localhost to [Domains]") || !strings.Contains(out, "HostDomain was not set") {
		t.Fatalf("/adduser exit %d; it should say it added the domain:\n%s", code, out)
	}
	if strings.Contains(out, "quick-start") {
		t.Errorf("/adduser with a mailq.ini speaks of quick-start settings:\n%s", out)
	}
	es, err := inifile.Read(filepath.Join(dir, "mailq.ini"), "Domains")
	if err != nil || len(es) != 1 || es[0].Key != "Domain1" || es[0].Value != "localhost" {
		t.Fatalf("[Domains] after /adduser: %v %v", es, err)
	}
	in := start(t, dir, "/mda", "/bind:127.0.0.1", "/port:0", "/loglevel:1")
	in.waitOutput("instance running")
	if o := in.out(); strings.Contains(o, "local domain") {
		t.Errorf("start-up still warns about domains:\n%s", o)
	}
	swaks := testutil.Program(t, "swaks")
	host, port := splitAddr(t, in.addr)
	cmd := exec.Command(swaks, "--server", host, "--port", port, "--from", "a@localhost", "--to", "a@localhost",
		"--auth", "PLAIN", "--auth-user", "a@localhost", "--auth-password", "secret", "--header", "Subject: first hour")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("swaks: %v\n%s", err, b)
	}
	got := waitGlob(t, filepath.Join(dir, "users", "a@localhost", "*.eml"), 1, in)
	if data, _ := os.ReadFile(got[0]); !strings.Contains(string(data), "Subject: first hour") {
		t.Errorf("delivered message:\n%s", data)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "queue", "external", "*")); len(m) != 0 {
		t.Errorf("mail for the account went to the external queue: %v", m)
	}
}

// TestDomainWarnings: /ADDUSER for a domain the server does not serve says
// so and how to add it, without adding it (the server has domains; the
// account may be meant for sending only), and the SMTP instance says at
// start-up which accounts' domains it does not serve, or that it has none.
func TestDomainWarnings(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	code, out := mailq(t, dir, "/adduser:x@other.test", "/pw:secret")
	for _, want := range []string{"account x@other.test added", "other.test is not a local domain of this server (test.example)", "Domain2=other.test under [Domains]"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("/adduser exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	if es, err := inifile.Read(filepath.Join(dir, "mailq.ini"), "Domains"); err != nil || len(es) != 1 {
		t.Errorf("[Domains] changed: %v %v", es, err)
	}
	in := start(t, dir)
	in.waitOutput("instance running")
	if o := in.out(); !strings.Contains(o, "account x@other.test: other.test is not a local domain") {
		t.Errorf("start-up does not warn about the account:\n%s", o)
	}

	none := newTree(t, strings.Replace(strings.Replace(testINI, "Domain1=test.example\n", "", 1), "HostDomain=test.example\n", "", 1))
	in = start(t, none)
	in.waitOutput("instance running")
	if o := in.out(); !strings.Contains(o, "no local domains") || !strings.Contains(o, "HostDomain=") {
		t.Errorf("start-up does not warn about having no domain:\n%s", o)
	}
	pop := start(t, none, "/pop")
	pop.waitOutput("instance running")
	if o := pop.out(); strings.Contains(o, "domain") {
		t.Errorf("the POP3 instance warns about domains:\n%s", o)
	}
}

// TestInit: /INIT:domain /ADDUSER writes a commented mailq.ini for the domain
// beside the program, with the account, that starts without a warning about
// domains; a second /INIT refuses and leaves the file as it was.
func TestInit(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	exe := filepath.Join(home, filepath.Base(binary))
	copyFile(t, binary, exe, 0o755)
	run := func(args ...string) (int, string) {
		cmd := exec.Command(exe, args...)
		cmd.Dir = home
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	code, out := run("/init:Example.COM", "/adduser:me@example.com", "/pw:secret")
	if code != 0 || !strings.Contains(out, "wrote "+filepath.Join(home, "mailq.ini")+" for example.com") ||
		!strings.Contains(out, "account me@example.com added") || strings.Contains(out, "domain of this server") {
		t.Fatalf("/init /adduser exit %d:\n%s", code, out)
	}
	ini := filepath.Join(home, "mailq.ini")
	before, err := os.ReadFile(ini)
	if err != nil || !strings.Contains(string(before), "\nHostDomain=example.com\n") || !strings.Contains(string(before), "\nme@example.com=v1:") {
		t.Fatalf("mailq.ini (%v):\n%s", err, before)
	}
	code, out = run("/init:example.org")
	if code != exitCommand || !strings.Contains(out, "already exists and is never overwritten") {
		t.Errorf("second /init exit %d:\n%s", code, out)
	}
	if after, _ := os.ReadFile(ini); string(after) != string(before) {
		t.Errorf("second /init changed mailq.ini")
	}
	in := startExe(t, exe, home, "/port:0")
	in.waitOutput("instance running")
	if o := in.out(); strings.Contains(o, "local domain") || !strings.Contains(o, "Host domain: example.com") {
		t.Errorf("start-up with the /init file:\n%s", o)
	}
	if code, out := run("/stop"); code != 0 {
		t.Fatalf("/stop: %s", out)
	}
	in.wait(10 * time.Second)
}
