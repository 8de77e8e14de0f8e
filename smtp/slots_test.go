package smtp

import (
	"bufio"
	"context"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/wire"
)

// remoteClient connects to ln as a client at ip and returns it with its
// greeting.
func remoteClient(t testing.TB, ln *testutil.RemoteListener, ip string) (*client, string) {
	t.Helper()
	c := ln.Dial(t, ip)
	cl := &client{t: t, c: c, r: bufio.NewReader(c)}
	return cl, cl.reply()
}

// TestSlotsShared fills every slot an address may take with idle sessions
// from 192.0.2.1: its next connection is refused at once, while a client
// from 192.0.2.2 still gets its greeting (issue 22, item 2). Before, the
// four default slots all went to the first address and the other waited
// for Timeout.
func TestSlotsShared(t *testing.T) {
	t.Parallel()
	ln := testutil.ListenRemote(t)
	ts := startServerOn(t, ln, nil, func(o *Options) { o.Server.Timeout = time.Minute })
	if ts.srv.opt.SMTP.Threads != 4 {
		t.Fatalf("SMTPThreads %d, want the default 4", ts.srv.opt.SMTP.Threads)
	}
	for i := range 3 {
		if _, g := remoteClient(t, ln, "192.0.2.1"); !strings.HasPrefix(g, "220 ") {
			t.Fatalf("connection %d from A got %q", i+1, g)
		}
	}
	a, g := remoteClient(t, ln, "192.0.2.1")
	if g != "421 4.3.2 mx.test Too many connections, try again later" {
		t.Fatalf("A's fourth connection got %q", g)
	}
	a.closed()
	b, g := remoteClient(t, ln, "192.0.2.2")
	if !strings.HasPrefix(g, "220 ") {
		t.Fatalf("B got %q while A holds its share", g)
	}
	b.expect("EHLO b.example", "250-")
	b.expect("QUIT", "221 ")
}

// TestLoopbackTakesAnySlot checks the exemption: loopback (a local program,
// a proxy) may take every slot, as before.
func TestLoopbackTakesAnySlot(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	for i := range 4 {
		if _, g := dial(t, ts.addr); !strings.HasPrefix(g, "220 ") {
			t.Fatalf("loopback connection %d got %q", i+1, g)
		}
	}
}

// refuseGuard refuses one address with 554, as the block list does.
type refuseGuard struct {
	OpenGuard
	blocked netip.Addr
}

func (g refuseGuard) Connect(_ context.Context, c Client) (func(), error) {
	if c.IP == g.blocked {
		return nil, Reply{Code: 554, Enh: "5.7.1", Lines: []string{"blocked"}, Close: true}
	}
	return nil, nil
}

// TestRefusedHoldsNoSlot connects a blocked client, which waits for QUIT
// after its 554 (RFC 5321 §3.1), to a server with one slot: a client from
// another address is still greeted. Before, the refused session held the
// slot for up to 10 s.
func TestRefusedHoldsNoSlot(t *testing.T) {
	t.Parallel()
	ln := testutil.ListenRemote(t)
	ts := startServerOn(t, ln, nil, func(o *Options) {
		o.SMTP.Threads = 1
		o.Guard = refuseGuard{blocked: netip.MustParseAddr("192.0.2.9")}
	})
	bad, g := remoteClient(t, ln, "192.0.2.9")
	if g != "554 5.7.1 blocked" {
		t.Fatalf("blocked client got %q", g)
	}
	good, g := remoteClient(t, ln, "192.0.2.2")
	if !strings.HasPrefix(g, "220 ") {
		t.Fatalf("client while a refused one waits got %q", g)
	}
	good.expect("QUIT", "221 ")
	bad.expect("EHLO x", "503 5.5.1 No service: blocked")
	bad.expect("QUIT", "221 ")
	bad.closed()
	ts.waitLog(t, "refused: 554 5.7.1 blocked")
}

// TestFirstCommandTimeout checks that a connection that sends nothing is
// closed after FirstCommandTimeout with 421, well before Timeout, and that
// one that sent a command has Timeout for the next.
func TestFirstCommandTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) {
		o.Server.Timeout = time.Minute
		o.Server.FirstCommandTimeout = 300 * time.Millisecond
	})
	c, _ := dial(t, ts.addr)
	if r := c.reply(); r != "421 4.4.2 Idle timeout, closing connection" {
		t.Fatalf("silent client got %q", r)
	}
	c.closed()

	// A client that greets has Timeout (a minute) after that: this one,
	// silent for longer than FirstCommandTimeout, is still served.
	c, _ = dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	timer := time.NewTimer(600 * time.Millisecond)
	<-timer.C
	c.expect("NOOP", "250 ")
}

// TestSlowDrip sends a command line one byte every 20 ms and never ends it
// within Timeout: the server closes with 421 and EOF, not after the client
// gives up. Before, each byte renewed the deadline and the session lasted
// as long as the client kept dripping.
func TestSlowDrip(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.Timeout = 300 * time.Millisecond })
	for _, tc := range []struct{ name, setup, drip string }{
		{"command", "", "NOOP NOOP NOOP NOOP NOOP NOOP NOOP\r\n"},
		{"AUTH step", "AUTH LOGIN", "dXNlcm5hbWUgdXNlcm5hbWUgdXNlcm5hbWU=\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250-")
			if tc.setup != "" {
				c.expect(tc.setup, "334 ")
			}
			stop := make(chan struct{})
			done := testutil.Drip(c.c, tc.drip, 20*time.Millisecond, stop)
			defer func() { close(stop); <-done }()
			if r := c.reply(); r != "421 4.4.2 Idle timeout, closing connection" {
				t.Fatalf("dripping client got %q", r)
			}
			c.closed()
		})
	}
}

// TestEndlessLine sends a line without end as fast as the connection takes
// it: past 64 KB the server answers 421 and closes, for a command line and
// for an AUTH response. Before, it read and dropped for as long as the
// client sent.
func TestEndlessLine(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	for _, setup := range []string{"", "AUTH LOGIN"} {
		t.Run("after "+setup, func(t *testing.T) {
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250-")
			if setup != "" {
				c.expect(setup, "334 ")
			}
			defer testutil.Flood(c.c)()
			if r := c.reply(); r != "421 4.5.2 Line too long, closing connection" {
				t.Fatalf("endless line got %q", r)
			}
			c.closed()
		})
	}
	ts.waitLog(t, "(a line of more than 64 KB) -> 421 4.5.2")
}

// TestDataSlowRate sends a message body at 50 bytes a second: after its
// grace of 2×Timeout the transfer is behind the minimum rate and the server
// closes with 421, keeping nothing. Before, the DATA limit was the time
// the largest message takes at 16 KB/s (over 20 minutes by default),
// whatever was actually sent.
func TestDataSlowRate(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.Timeout = 300 * time.Millisecond })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "354 ")
	stop := make(chan struct{})
	done := testutil.Drip(c.c, "Subject: slow\r\n\r\nsome text\r\n", 20*time.Millisecond, stop)
	defer func() { close(stop); <-done }()
	if r := c.reply(); r != "421 4.4.2 Idle timeout, closing connection" {
		t.Fatalf("slow DATA got %q", r)
	}
	c.closed()
	if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
		t.Fatalf("after a slow DATA: committed %v, left %v", ids, left)
	}
}

// TestDataDeadline checks the formula: 2×Timeout plus the bytes received
// at minDataRate, counting at most the size limit.
func TestDataDeadline(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		got, max int64
		want     time.Duration
	}{
		{0, 1 << 20, 4 * time.Minute},
		{8 << 10, 1 << 20, 4*time.Minute + time.Second},
		{80 << 20, 20 << 20, 4*time.Minute + 2560*time.Second},
		{80 << 20, 0, 4*time.Minute + 10240*time.Second},
	} {
		o := baseOptions(t)
		o.Server.Timeout = 2 * time.Minute
		o.SMTP.MaxMessageSize = tc.max
		srv, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		s := &session{srv: srv, dataStart: t0}
		s.clock = newCountingClock(tc.got)
		if got := s.dataDeadline().Sub(t0); got != tc.want {
			t.Errorf("%d bytes of at most %d: %v, want %v", tc.got, tc.max, got, tc.want)
		}
	}
}

// newCountingClock returns a ClockReader that has read n bytes.
func newCountingClock(n int64) *wire.ClockReader {
	cr := wire.NewClockReader(zeroConn{}, time.Hour, nil)
	io.CopyN(io.Discard, cr, n)
	return cr
}

type zeroConn struct{}

func (zeroConn) Read(p []byte) (int, error)      { clear(p); return len(p), nil }
func (zeroConn) SetReadDeadline(time.Time) error { return nil }

// TestUnslottedBounds checks the bounds on connections without a slot:
// past maxUnslotted the accept loop refuses, past maxLingering a refused
// client is not kept waiting for QUIT; each frees its place when done.
func TestUnslottedBounds(t *testing.T) {
	t.Parallel()
	srv, err := New(baseOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	var done []func()
	for i := range maxUnslotted {
		f, ok := srv.enter()
		if !ok {
			t.Fatalf("connection %d refused under the bound", i+1)
		}
		done = append(done, f)
	}
	if _, ok := srv.enter(); ok {
		t.Fatal("a connection past maxUnslotted was let in")
	}
	done[0]()
	done[0]() // once only
	if _, ok := srv.enter(); !ok {
		t.Fatal("a freed place was not reused")
	}
	if _, ok := srv.enter(); ok {
		t.Fatal("a second call of the same admitted freed two places")
	}
	for range maxLingering {
		if !srv.mayLinger() {
			t.Fatal("a refused client was not allowed to wait under the bound")
		}
	}
	if srv.mayLinger() {
		t.Fatal("a refused client past maxLingering was allowed to wait")
	}
	srv.lingering.Add(-1)
	if !srv.mayLinger() {
		t.Fatal("a freed place for waiting was not reused")
	}
}

// BenchmarkGreetingWhileShareHeld measures how long a client at another
// address waits for its greeting while one address holds its whole share
// of the default four slots with idle sessions (the goal is well under a
// second).
func BenchmarkGreetingWhileShareHeld(b *testing.B) {
	ln := testutil.ListenRemote(b)
	startServerOn(b, ln, nil, func(o *Options) { o.Server.Timeout = time.Minute })
	for range 3 {
		if _, g := remoteClient(b, ln, "192.0.2.1"); !strings.HasPrefix(g, "220 ") {
			b.Fatalf("A got %q", g)
		}
	}
	b.ResetTimer()
	for range b.N {
		c, g := remoteClient(b, ln, "192.0.2.2")
		if !strings.HasPrefix(g, "220 ") {
			b.Fatalf("B got %q", g)
		}
		c.expect("QUIT", "221 ")
		c.closed()
	}
}
