package pop3

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
)

// The accounts of every test tree.
const (
	alice   = "alice@test.example"
	alicePW = "secret"
	bob     = "bob@test.example"
	bobPW   = "hunter2 with spaces" // PASS takes the rest of the line
)

// The fixture: alice's mailbox holds three messages with fixed ids, so
// transcripts can name their UIDs and octet counts.
var fixture = []struct {
	id      queue.ID
	content string
	size    int64 // as POP3 counts it: CRLF line ends, final CRLF
}{
	{"2024010112000000000001", "From: carol@example.org\r\nSubject: one\r\n\r\nHello Alice.\r\n", 55},
	{"2024010112000000000002", "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n", 51},
	{"2024010112000000000003", "Subject: bare\n\nline one\nline two", 37}, // bare LF, no final line end
}

// env is a mail tree with accounts, and the server running on it.
type env struct {
	dir   string
	acct  accounts.Options
	tree  *queue.Tree
	users *accounts.Store
	opt   Options
	log   *syncBuffer
	srv   *Server
	addr  string
	// recoverPanics runs the server as in production; tests otherwise let
	// a panic fail them.
	recoverPanics bool
}

// syncBuffer collects a server's console output from many goroutines.
type syncBuffer = testutil.Buffer

// newEnv builds a tree in a temporary folder with alice (holding the
// fixture) and bob (empty), and Options for a server on it; mods change the
// options before the server is made.
func newEnv(t testing.TB, mods ...func(*Options)) *env {
	t.Helper()
	dir := t.TempDir()
	e := openEnv(t, dir)
	for _, a := range []struct{ addr, pw string }{{alice, alicePW}, {bob, bobPW}} {
		if err := accounts.Add(e.acct, a.addr, a.pw); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range fixture {
		e.deliver(t, alice, m.id, m.content)
	}
	for _, mod := range mods {
		mod(&e.opt)
	}
	return e
}

// openEnv opens the tree in dir (made by newEnv, perhaps by another
// process) with the standard test options.
func openEnv(t testing.TB, dir string) *env {
	t.Helper()
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	acct := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: p.KeyFile}
	users, err := accounts.Open(acct.INI, acct.Key)
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	log, err := logs.New(logs.Options{Console: buf, Level: logs.Debug, Debug: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Server.HostName = "mx.test"
	cfg.Server.Timeout = 10 * time.Second
	cfg.POP.Threads = 8
	return &env{dir: dir, acct: acct, tree: tree, users: users, log: buf, opt: Options{
		Server: cfg.Server, POP: cfg.POP, MotdPath: p.Motd, Guard: failLimit{n: 20},
		Tree: tree, Accounts: users, Log: log, Version: "test",
	}}
}

// deliver puts content into user's mailbox as message id.
func (e *env) deliver(t testing.TB, user string, id queue.ID, content string) {
	t.Helper()
	if _, err := e.tree.Deliver(user, false, id, nil, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}

// mailboxDir is the folder of user's mailbox.
func (e *env) mailboxDir(user string) string {
	return filepath.Join(e.dir, "users", user)
}

// start runs the server on 127.0.0.1:0 until the test ends and returns its
// address.
func (e *env) start(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return e.startOn(t, ln)
}

// startOn is start serving ln.
func (e *env) startOn(t testing.TB, ln net.Listener) string {
	t.Helper()
	srv, err := New(e.opt)
	if err != nil {
		t.Fatal(err)
	}
	srv.noRecover = !e.recoverPanics
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", e.log)
		}
	})
	e.srv, e.addr = srv, ln.Addr().String()
	return e.addr
}

// startServer is newEnv and start.
func startServer(t testing.TB, mods ...func(*Options)) *env {
	t.Helper()
	e := newEnv(t, mods...)
	e.start(t)
	return e
}

// client is a minimal POP3 client for tests.
type client struct {
	t     testing.TB
	c     net.Conn
	r     *bufio.Reader
	greet string
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReaderSize(c, 64<<10)}
	cl.greet = cl.line()
	return cl
}

// line reads one line without its CRLF.
func (cl *client) line() string {
	cl.t.Helper()
	cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := cl.r.ReadString('\n')
	if err != nil {
		cl.t.Fatalf("read: %v (got %q)", err, s)
	}
	if !strings.HasSuffix(s, "\r\n") {
		cl.t.Fatalf("line %q does not end in CRLF", s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// cmd sends a command and returns the status line.
func (cl *client) cmd(format string, args ...any) string {
	cl.t.Helper()
	fmt.Fprintf(cl.c, format+"\r\n", args...)
	return cl.line()
}

// must sends a command whose status line must start with want.
func (cl *client) must(want, format string, args ...any) string {
	cl.t.Helper()
	got := cl.cmd(format, args...)
	if !strings.HasPrefix(got, want) {
		cl.t.Fatalf("%s: got %q, want %q...", fmt.Sprintf(format, args...), got, want)
	}
	return got
}

// body reads a multi-line body up to its terminator and returns it as the
// raw wire bytes (dot-stuffing kept, terminator dropped).
func (cl *client) body() string {
	cl.t.Helper()
	var b strings.Builder
	for {
		cl.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		s, err := cl.r.ReadString('\n')
		if err != nil {
			cl.t.Fatalf("read body: %v", err)
		}
		if s == ".\r\n" {
			return b.String()
		}
		b.WriteString(s)
	}
}

// login logs in with USER/PASS.
func (cl *client) login(user, pw string) {
	cl.t.Helper()
	cl.must("+OK", "USER %s", user)
	cl.must("+OK", "PASS %s", pw)
}

// closed checks that the server closes the connection next.
func (cl *client) closed() {
	cl.t.Helper()
	testutil.ClosedByServer(cl.t, cl.c, cl.r, 10*time.Second)
}

// mailboxFiles lists the message files of user's mailbox and its deleted
// folder, relative to the mailbox.
func (e *env) mailboxFiles(t testing.TB, user string) []string {
	t.Helper()
	var names []string
	root := e.mailboxDir(user)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".eml") {
			rel, _ := filepath.Rel(root, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names
}

// Helper-process mode: the test binary re-executed with helperEnv set to a
// tree's folder serves POP3 on it from a second process, printing
// "listening on ADDR", until its stdin closes or it is killed. Tests use it
// for locks across processes, and the benchmark to measure the server alone.
const helperEnv = "MAILQ_POP3_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helperMain(dir))
	}
	os.Exit(m.Run())
}

func helperMain(dir string) int {
	t := &helperT{}
	e := openEnv(t, dir)
	e.opt.Log = logs.Discard()
	srv, err := New(e.opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent closes stdin
		cancel()
	}()
	if err := srv.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helperT lets openEnv run outside a test.
type helperT struct{ testing.TB }

func (*helperT) Helper()                   {}
func (*helperT) TempDir() string           { panic("no TempDir in the helper") }
func (*helperT) Fatal(args ...any)         { fmt.Fprintln(os.Stderr, args...); os.Exit(1) }
func (*helperT) Fatalf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...); os.Exit(1) }

// helper is a POP3 server in another process.
type helper struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	addr  string
}

// startHelper runs the helper process on the tree in dir.
func startHelper(t testing.TB, dir string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin}
	t.Cleanup(func() { h.stop() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		t.Fatalf("helper: %q, %v", line, err)
	}
	h.addr = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	return h
}

// stop ends the helper cleanly and waits for it.
func (h *helper) stop() {
	if h.cmd.ProcessState != nil {
		return
	}
	h.stdin.Close()
	h.cmd.Wait()
}

// kill ends the helper at once, as a crash would, and waits for it.
func (h *helper) kill() {
	h.cmd.Process.Kill()
	h.cmd.Wait()
}

// failLimit is the tests' Guard: it ends a session at its n-th failed
// command with the reply of the original's limit, as the guard package does
// for Abuse.MaxFailedCommands.
type failLimit struct {
	AllowAll
	n int
}

var replyTooManyErrs = Reply{Text: "too many errors; closing connection", Close: true}

func (g failLimit) FailedCommand(_ netip.Addr, failures int) error {
	if failures >= g.n {
		return replyTooManyErrs
	}
	return nil
}
