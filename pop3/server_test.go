package pop3

import (
	"context"
	"errors"
	"mailq/internal/testutil"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestThreadsLimit checks that a connection over POPThreads is refused at
// once with [SYS/TEMP], and that a freed slot is usable again.
func TestThreadsLimit(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.POP.Threads = 2 })
	a, b := dial(t, e.addr), dial(t, e.addr)
	over := dial(t, e.addr)
	if over.greet != "-ERR [SYS/TEMP] too many connections; try again later" {
		t.Fatalf("third connection got %q", over.greet)
	}
	over.closed()
	b.must("+OK", "QUIT")
	a.must("+OK", "NOOP")
	// The quitting session is releasing its slot.
	testutil.Eventually(t, "the slot freed", func() bool {
		c := dial(t, e.addr)
		if strings.HasPrefix(c.greet, "+OK") {
			c.login(bob, bobPW)
			return true
		}
		return false
	})
}

// TestShutdown checks that cancelling Serve tells idle sessions the server
// is going away, deletes nothing a session had marked, and returns.
func TestShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv, err := New(e.opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	cl := dial(t, ln.Addr().String())
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	idle := dial(t, ln.Addr().String())
	cancel()
	if got := cl.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Fatalf("logged-in session got %q", got)
	}
	cl.closed()
	if got := idle.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Fatalf("idle session got %q", got)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if n := len(e.mailboxFiles(t, alice)); n != 3 {
		t.Fatalf("%d messages left, want 3", n)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("still accepting after shut-down")
	}
}

// TestIdleTimeout checks that an idle session is closed after Timeout,
// without entering UPDATE (RFC 1939 §3), and that the mailbox is free again.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.Server.Timeout = time.Second })
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	if got := cl.line(); got != "-ERR idle for too long; closing connection" {
		t.Fatalf("got %q", got)
	}
	cl.closed()
	again := loginEventually(t, e.addr, alice, alicePW)
	again.must("+OK 3 143", "STAT")
}

// recordingGuard records what the server tells it and refuses as told.
type recordingGuard struct {
	mu         sync.Mutex
	events     []string
	refuse     netip.Addr
	banAfter   int
	closeAfter int
	panicking  bool
}

func (g *recordingGuard) add(s string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, s)
}

func (g *recordingGuard) list() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.events, "; ")
}

func (g *recordingGuard) Connect(ip netip.Addr) (func(), error) {
	g.add("connect " + ip.String())
	if ip == g.refuse {
		return nil, Reply{Code: CodeSysPerm, Text: "your address is blocked"}
	}
	return func() { g.add("release " + ip.String()) }, nil
}

func (g *recordingGuard) LoginFailed(ip netip.Addr, user string, failures int) error {
	g.add("failed " + user)
	if g.banAfter > 0 && failures >= g.banAfter {
		return errors.New("banned")
	}
	return nil
}

func (g *recordingGuard) FailedCommand(ip netip.Addr, failures int) error {
	g.add("failed command " + strconv.Itoa(failures))
	if g.closeAfter > 0 && failures >= g.closeAfter {
		return Reply{Text: "too many failed commands", Close: true}
	}
	return nil
}

func (g *recordingGuard) LoggedIn(ip netip.Addr, user string) {
	g.add("login " + user)
	if g.panicking {
		panic("guard exploded")
	}
}

// TestGuard checks the seam for the abuse controls: consulted at connect,
// told about each failed and successful login, able to refuse and to end a
// session, its release called when the connection ends.
func TestGuard(t *testing.T) {
	t.Parallel()
	g := &recordingGuard{banAfter: 2}
	e := startServer(t, func(o *Options) { o.Guard = g })
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	cl.must("-ERR [AUTH]", "PASS wrong")
	cl.login(alice, alicePW)
	cl.must("+OK", "QUIT")
	cl.closed()

	banned := dial(t, e.addr)
	banned.must("+OK", "USER %s", bob)
	banned.must("-ERR [AUTH]", "PASS wrong")
	banned.must("+OK", "USER %s", bob)
	banned.must("-ERR [SYS/PERM] access denied", "PASS wrong")
	banned.closed()
	// The server is closing the session.
	testutil.Eventually(t, "both sessions released", func() bool { return strings.Count(g.list(), "release") == 2 })
	want := "connect 127.0.0.1; failed alice@test.example; login alice@test.example; release 127.0.0.1; " +
		"connect 127.0.0.1; failed bob@test.example; failed bob@test.example; release 127.0.0.1"
	if got := g.list(); got != want {
		t.Fatalf("guard saw:\n%s\nwant\n%s", got, want)
	}
}

// TestGuardFailedCommands: failed commands, and not failed logins, are
// counted to the Guard, whose refusal ends the session.
func TestGuardFailedCommands(t *testing.T) {
	t.Parallel()
	g := &recordingGuard{closeAfter: 2}
	e := startServer(t, func(o *Options) { o.Guard = g })
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	cl.must("-ERR [AUTH]", "PASS wrong")
	cl.must("-ERR", "FROB")
	cl.must("-ERR too many failed commands", "STAT")
	cl.closed()
	if got := g.list(); !strings.Contains(got, "failed alice@test.example; failed command 1; failed command 2") {
		t.Fatalf("guard saw: %s", got)
	}
}

func TestGuardRefusesAtConnect(t *testing.T) {
	t.Parallel()
	g := &recordingGuard{refuse: netip.MustParseAddr("127.0.0.1")}
	e := startServer(t, func(o *Options) { o.Guard = g })
	cl := dial(t, e.addr)
	if cl.greet != "-ERR [SYS/PERM] your address is blocked" {
		t.Fatalf("greeting %q", cl.greet)
	}
	cl.closed()
}

// TestPanicRecovered checks that a panic in a session is logged, answered
// with [SYS/TEMP], releases the mailbox lock, and leaves the server running.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	g := &recordingGuard{panicking: true}
	e := newEnv(t, func(o *Options) { o.Guard = g })
	e.recoverPanics = true
	e.start(t)
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	cl.must("-ERR [SYS/TEMP]", "PASS %s", alicePW)
	cl.closed()
	if !strings.Contains(e.log.String(), "guard exploded") {
		t.Fatalf("panic not logged:\n%s", e.log)
	}
	g.mu.Lock()
	g.panicking = false
	g.mu.Unlock()
	again := loginEventually(t, e.addr, alice, alicePW)
	again.must("+OK 3 143", "STAT")
}

// TestDown checks the debug DOWN command: it stops the server.
func TestDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.Server.Debug = true })
	srv, err := New(e.opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), ln) }()
	cl := dial(t, ln.Addr().String())
	cl.must("+OK POP3 server shutting down", "DOWN")
	cl.closed()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DOWN did not stop the server")
	}
}
