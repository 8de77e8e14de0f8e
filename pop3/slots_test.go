package pop3

import (
	"bufio"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// remoteClient connects to ln as a client at ip and reads the greeting.
func remoteClient(t testing.TB, ln *testutil.RemoteListener, ip string) *client {
	t.Helper()
	c := ln.Dial(t, ip)
	cl := &client{t: t, c: c, r: bufio.NewReaderSize(c, 64<<10)}
	cl.greet = cl.line()
	return cl
}

// TestSlotsShared fills every slot one address may take with idle sessions:
// its next connection is refused at once, and a client at another address
// is greeted and served (issue 22, item 2). Before, the four default slots
// all went to the first address.
func TestSlotsShared(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.POP.Threads = 4; o.Server.Timeout = time.Minute })
	ln := testutil.ListenRemote(t)
	e.startOn(t, ln)
	for i := range 3 {
		if cl := remoteClient(t, ln, "192.0.2.1"); !strings.HasPrefix(cl.greet, "+OK") {
			t.Fatalf("connection %d from A got %q", i+1, cl.greet)
		}
	}
	a := remoteClient(t, ln, "192.0.2.1")
	if a.greet != "-ERR [SYS/TEMP] too many connections; try again later" {
		t.Fatalf("A's fourth connection got %q", a.greet)
	}
	a.closed()
	b := remoteClient(t, ln, "192.0.2.2")
	if !strings.HasPrefix(b.greet, "+OK") {
		t.Fatalf("B got %q while A holds its share", b.greet)
	}
	b.login(alice, alicePW)
	b.must("+OK", "QUIT")
}

// TestRefusedBeforeSlot checks that the Guard is asked before a slot is
// taken: with the only slot in use, a blocked client is told it is blocked
// (not that the server is busy), and never waits for a slot.
func TestRefusedBeforeSlot(t *testing.T) {
	t.Parallel()
	g := &recordingGuard{refuse: netip.MustParseAddr("192.0.2.9")}
	e := newEnv(t, func(o *Options) { o.POP.Threads = 1; o.Guard = g })
	ln := testutil.ListenRemote(t)
	e.startOn(t, ln)
	if cl := remoteClient(t, ln, "192.0.2.2"); !strings.HasPrefix(cl.greet, "+OK") {
		t.Fatalf("first client got %q", cl.greet)
	}
	bad := remoteClient(t, ln, "192.0.2.9")
	if bad.greet != "-ERR [SYS/PERM] your address is blocked" {
		t.Fatalf("blocked client got %q", bad.greet)
	}
	bad.closed()
}

// TestFirstCommandTimeout checks that a connection that sends nothing is
// closed after FirstCommandTimeout, long before Timeout.
func TestFirstCommandTimeout(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) {
		o.Server.Timeout = time.Minute
		o.Server.FirstCommandTimeout = 300 * time.Millisecond
	})
	cl := dial(t, e.addr)
	if r := cl.line(); r != "-ERR idle for too long; closing connection" {
		t.Fatalf("silent client got %q", r)
	}
	cl.closed()
	// A command resets it: the session then has Timeout.
	cl = dial(t, e.addr)
	cl.must("+OK", "CAPA")
	for l := cl.line(); l != "."; l = cl.line() {
	}
	timer := time.NewTimer(600 * time.Millisecond)
	<-timer.C
	cl.must("+OK", "NOOP")
}

// TestSlowDrip sends a command one byte every 20 ms and never finishes it
// within Timeout: the server closes the session itself. Before, every byte
// renewed the deadline.
func TestSlowDrip(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.Server.Timeout = 300 * time.Millisecond })
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	stop := make(chan struct{})
	done := testutil.Drip(cl.c, "PASS "+strings.Repeat("p", 200)+"\r\n", 20*time.Millisecond, stop)
	defer func() { close(stop); <-done }()
	if r := cl.line(); r != "-ERR idle for too long; closing connection" {
		t.Fatalf("dripping client got %q", r)
	}
	cl.closed()
}

// TestEndlessLine sends a line that never ends: past 64 KB the session is
// closed. Before, it was read and dropped for as long as it came.
func TestEndlessLine(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	defer testutil.Flood(cl.c)()
	if r := cl.line(); r != "-ERR line too long; closing connection" {
		t.Fatalf("endless line got %q", r)
	}
	cl.closed()
}

// TestCommandLength checks RFC 2449 §4: a command line of 255 octets with
// its CRLF is accepted, one of 256 gets -ERR and the session goes on.
func TestCommandLength(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	// USER with a name of 253-5 octets: 253 + CRLF = 255.
	ok := "USER " + strings.Repeat("u", 253-5)
	if r := cl.cmd("%s", ok); !strings.HasPrefix(r, "+OK") {
		t.Fatalf("255-octet line got %q", r)
	}
	if r := cl.cmd("%s", ok+"u"); r != "-ERR line too long" {
		t.Fatalf("256-octet line got %q", r)
	}
	cl.login(alice, alicePW)
	cl.must("+OK", "QUIT")
}
