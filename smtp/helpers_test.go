package smtp

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
	"mailq/route"
)

// Test accounts, in the shared store made by TestMain.
const (
	adminUser = "admin@test.example"
	adminPass = "secret"
	bobUser   = "bob@test.example"
	bobPass   = "bob's password"
	lockedUsr = "locked@test.example"
	brokenUsr = "broken@test.example" // a value the key cannot open
)

var sharedAccounts *accounts.Store

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailq-smtp-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedAccounts, err = makeAccounts(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "accounts:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func makeAccounts(dir string) (*accounts.Store, error) {
	o := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: filepath.Join(dir, "mailq.key")}
	for _, u := range [][2]string{{adminUser, adminPass}, {bobUser, bobPass}, {lockedUsr, "x"}} {
		if err := accounts.Add(o, u[0], u[1]); err != nil {
			return nil, err
		}
	}
	ini, err := os.ReadFile(o.INI)
	if err != nil {
		return nil, err
	}
	// An entry in the original MailQ's hash format: it exists, but no
	// password can match it (accounts.ErrSecret).
	ini = append(ini, []byte(brokenUsr+"=5F4DCC3B5AA765D61D8327DEB882CF99\n")...)
	if err := os.WriteFile(o.INI, ini, 0o600); err != nil {
		return nil, err
	}
	st, err := accounts.Open(o.INI, o.Key)
	if err != nil {
		return nil, err
	}
	return st, st.Lock(lockedUsr)
}

// testServer is an in-process server on 127.0.0.1:0.
type testServer struct {
	addr string
	srv  *Server
	tree *queue.Tree
	logs *syncBuffer
	opt  Options
	stop func() error // cancels and waits for Serve
	qdir string       // the incoming queue's folder
}

// baseOptions is the configuration tests start from: the quick-start's
// relay level 2, host mx.test, local domains test.example and
// other.example, an alias and a forward.
func baseOptions(t testing.TB) Options {
	o, _ := baseOptionsDir(t)
	return o
}

// baseOptionsDir is baseOptions and the incoming queue's folder.
func baseOptionsDir(t testing.TB) (Options, string) {
	cfg := config.Default()
	cfg.Server.HostName = "mx.test"
	cfg.Server.HostDomain = "test.example"
	cfg.Server.Timeout = 10 * time.Second
	cfg.SMTP.Relay = config.RelayTwoWay
	cfg.Domains = []string{"test.example", "other.example"}
	cfg.Aliases = []config.Alias{
		{From: "sales@test.example", To: adminUser},
		{From: "fwd@test.example", To: "someone@elsewhere.example"},
		{From: "loop1@test.example", To: "loop2@test.example"},
		{From: "loop2@test.example", To: "loop1@test.example"},
		{From: "all@test.example", To: adminUser, Also: []string{"sales@test.example", "someone@elsewhere.example"}},
	}
	p := config.DefaultPaths(t.TempDir())
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Server: cfg.Server, SMTP: cfg.SMTP, RefileUnknown: true, Domains: cfg.AllDomains(),
		Tree: tree, Accounts: sharedAccounts,
		Routes:  route.New(cfg.AllDomains(), cfg.Aliases, sharedAccounts.Exists),
		ExeName: "mailq", Version: "test",
		Getenv: func(string) string { return "" },
	}, p.Queue
}

// startServer starts a server built from baseOptions changed by mods; the
// server seams can be changed by tweak before it serves.
func startServer(t testing.TB, mods ...func(*Options)) *testServer {
	return startServerWith(t, nil, mods...)
}

func startServerWith(t testing.TB, tweak func(*Server), mods ...func(*Options)) *testServer {
	t.Helper()
	return startServerOn(t, nil, tweak, mods...)
}

// startServerOn is startServerWith serving ln (nil: a new 127.0.0.1:0).
func startServerOn(t testing.TB, ln net.Listener, tweak func(*Server), mods ...func(*Options)) *testServer {
	t.Helper()
	o, qdir := baseOptionsDir(t)
	for _, m := range mods {
		m(&o)
	}
	buf := &syncBuffer{}
	off := false
	lg, err := logs.New(logs.Options{Console: buf, Level: logs.Debug, Color: &off})
	if err != nil {
		t.Fatal(err)
	}
	if o.Log == nil {
		o.Log = lg
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(srv)
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(30 * time.Second):
				serveErr = fmt.Errorf("Serve did not return within 30s of cancellation")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return &testServer{addr: ln.Addr().String(), srv: srv, tree: o.Tree, logs: buf, opt: o, stop: stop, qdir: qdir}
}

// committed returns the committed sets in the incoming queue.
func (ts *testServer) committed(t testing.TB) []queue.ID {
	t.Helper()
	ids, err := ts.tree.List(queue.Incoming)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// message reads the .eml and envelope of a committed set.
func (ts *testServer) message(t testing.TB, id queue.ID) (string, *queue.Envelope) {
	t.Helper()
	f, err := ts.tree.Open(queue.Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	env, err := ts.tree.Envelope(queue.Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), env
}

// only returns the one committed message, failing if there is not exactly one.
func (ts *testServer) only(t testing.TB) (string, *queue.Envelope) {
	t.Helper()
	ids := ts.committed(t)
	if len(ids) != 1 {
		t.Fatalf("%d committed messages, want 1: %v", len(ids), ids)
	}
	return ts.message(t, ids[0])
}

// waitLog waits until the log contains s.
func (ts *testServer) waitLog(t testing.TB, s string) {
	t.Helper()
	testutil.EventuallyShow(t, fmt.Sprintf("%q in the log", s),
		func() bool { return strings.Contains(ts.logs.String(), s) }, ts.logs.String)
}

// syncBuffer collects a server's console output from many goroutines.
type syncBuffer = testutil.Buffer

// client is a minimal SMTP client for tests that need more than a
// transcript: it sends lines and returns whole replies.
type client struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

// dial connects and returns the client and the greeting.
func dial(t testing.TB, addr string) (*client, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	return cl, cl.reply()
}

// reply reads one reply; the lines of a multi-line reply are joined by "\n".
func (c *client) reply() string {
	c.t.Helper()
	var lines []string
	for {
		c.c.SetReadDeadline(time.Now().Add(15 * time.Second))
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("reading reply after %q: %v", lines, err)
		}
		if !strings.HasSuffix(line, "\r\n") {
			c.t.Fatalf("reply line %q does not end in CRLF", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

// write sends raw bytes.
func (c *client) write(s string) {
	c.t.Helper()
	c.c.SetWriteDeadline(time.Now().Add(15 * time.Second))
	if _, err := c.c.Write([]byte(s)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// cmd sends a command line and returns the reply.
func (c *client) cmd(line string) string {
	c.t.Helper()
	c.write(line + "\r\n")
	return c.reply()
}

// expect sends a command and fails unless the reply starts with prefix.
func (c *client) expect(line, prefix string) string {
	c.t.Helper()
	r := c.cmd(line)
	if !strings.HasPrefix(r, prefix) {
		c.t.Fatalf("%s: got %q, want %q...", line, r, prefix)
	}
	return r
}

// closed fails unless the server closes the connection without saying more;
// a read time-out is a failure, not a close.
func (c *client) closed() {
	c.t.Helper()
	testutil.ClosedByServer(c.t, c.c, c.r, 15*time.Second)
}

// send runs a whole transaction and returns the reply to the final dot.
func (c *client) send(from string, rcpts []string, data string) string {
	c.t.Helper()
	c.expect("MAIL FROM:<"+from+">", "250 ")
	for _, r := range rcpts {
		c.expect("RCPT TO:<"+r+">", "250 ")
	}
	c.expect("DATA", "354 ")
	c.write(data)
	return c.reply()
}

// fakeSpool is a spool whose drafts fail as told, for disk errors that a
// real file system cannot be made to produce on demand. Each error is used
// once, so the next message shows that the server kept serving.
type fakeSpool struct {
	real spool

	mu        sync.Mutex
	newErr    error // NewDraft fails
	writeErr  error // Write fails once writeAt bytes were written
	writeAt   int
	commitErr error
	free      uint64 // if non-zero, the free space reported
	queued    int    // if non-zero, the queue length reported
}

// take returns *e and clears it.
func (f *fakeSpool) take(e *error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := *e
	*e = nil
	return err
}

func (f *fakeSpool) newDraft() (draft, error) {
	if err := f.take(&f.newErr); err != nil {
		return nil, err
	}
	d, err := f.real.newDraft()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fd := &fakeDraft{draft: d, writeErr: f.writeErr, writeAt: f.writeAt, commitErr: f.commitErr}
	f.writeErr, f.commitErr = nil, nil
	return fd, nil
}

func (f *fakeSpool) freeBytes() (uint64, error) {
	f.mu.Lock()
	free := f.free
	f.mu.Unlock()
	if free != 0 {
		return free, nil
	}
	return f.real.freeBytes()
}

func (f *fakeSpool) count() (int, error) {
	f.mu.Lock()
	n := f.queued
	f.mu.Unlock()
	if n != 0 {
		return n, nil
	}
	return f.real.count()
}

type fakeDraft struct {
	draft
	writeErr  error
	writeAt   int
	commitErr error
	n         int
}

func (d *fakeDraft) Write(p []byte) (int, error) {
	if d.writeErr != nil && d.n+len(p) > d.writeAt {
		d.draft.Abort() // a real draft removes its files when a write fails
		return 0, d.writeErr
	}
	d.n += len(p)
	return d.draft.Write(p)
}

func (d *fakeDraft) Commit(env *queue.Envelope) error {
	if d.commitErr != nil {
		d.draft.Abort()
		return d.commitErr
	}
	return d.draft.Commit(env)
}

// useSpool replaces the server's spool with f wrapped around the real one.
func useSpool(f *fakeSpool) func(*Server) {
	return func(s *Server) {
		f.real = s.spool
		s.spool = f
	}
}

// leftovers lists the files in the incoming folder that are not part of a
// committed set: temporary files and .eml files without their .auth.
func (ts *testServer) leftovers(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(ts.qdir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir():
		case strings.HasSuffix(n, ".eml") && names[strings.TrimSuffix(n, ".eml")+".auth"]:
		case strings.HasSuffix(n, ".auth") && names[strings.TrimSuffix(n, ".auth")+".eml"]:
		default:
			out = append(out, n)
		}
	}
	return out
}
