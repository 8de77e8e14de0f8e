package smtp

import (
	"context"
	"mailq/internal/testutil"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnectionLimit checks that a connection over SMTPThreads gets 421
// 4.3.2 at once and is closed, and that a freed slot serves again.
func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.SMTP.Threads = 2 })
	a, g1 := dial(t, ts.addr)
	_, g2 := dial(t, ts.addr)
	if !strings.HasPrefix(g1, "220 ") || !strings.HasPrefix(g2, "220 ") {
		t.Fatalf("greetings %q, %q", g1, g2)
	}
	c, g3 := dial(t, ts.addr)
	if g3 != "421 4.3.2 mx.test Too many connections, try again later" {
		t.Fatalf("third connection got %q", g3)
	}
	c.closed()
	a.expect("QUIT", "221 ")
	a.closed()
	// The slot is free once the first session has ended; allow it a moment.
	testutil.Eventually(t, "a slot after a session ended", func() bool {
		c, g := dial(t, ts.addr)
		if strings.HasPrefix(g, "220 ") {
			c.expect("QUIT", "221 ")
			return true
		}
		return false
	})
	ts.waitLog(t, "refused: 421 4.3.2")
}

// TestIdleTimeout checks 421 4.4.2 for a silent client, between commands
// and in the middle of DATA, where the draft is then removed.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.Timeout = time.Second })
	c, _ := dial(t, ts.addr)
	if r := c.reply(); r != "421 4.4.2 Idle timeout, closing connection" {
		t.Fatalf("idle client got %q", r)
	}
	c.closed()

	c, _ = dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "354 ")
	c.write("Subject: half\r\n\r\nthe client stops here")
	if r := c.reply(); r != "421 4.4.2 Idle timeout, closing connection" {
		t.Fatalf("silent client in DATA got %q", r)
	}
	c.closed()
	if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
		t.Fatalf("after a timeout in DATA: committed %v, left %v", ids, left)
	}
}

// TestShutdown cancels a server with an idle session, a session in a mail
// transaction and one that goes silent: the idle one gets 421 at once, the
// busy one may finish its message, the silent one is cut at Timeout, and
// Serve returns once all have ended.
func TestShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.Timeout = 3 * time.Second })
	idle, _ := dial(t, ts.addr)
	idle.expect("EHLO client.example", "250-")
	busy, _ := dial(t, ts.addr)
	busy.expect("EHLO client.example", "250-")
	busy.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	silent, _ := dial(t, ts.addr)
	silent.expect("EHLO client.example", "250-")
	silent.expect("MAIL FROM:<a@elsewhere.example>", "250 ")

	stopped := make(chan error, 1)
	start := time.Now()
	go func() { stopped <- ts.stop() }()
	if r := idle.reply(); r != "421 4.3.2 mx.test Service shutting down, try again later" {
		t.Fatalf("idle session got %q", r)
	}
	idle.closed()
	if time.Since(start) > 2*time.Second {
		t.Fatalf("the idle session waited %v for its 421", time.Since(start))
	}
	busy.expect("RCPT TO:<admin@test.example>", "250 ")
	if r := busy.send2("Subject: last one\r\n\r\n.\r\n"); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("the busy session's message got %q", r)
	}
	if r := busy.reply(); !strings.HasPrefix(r, "421 4.3.2 ") {
		t.Fatalf("after its message the busy session got %q", r)
	}
	if r := silent.reply(); !strings.HasPrefix(r, "421 4.3.2 ") {
		t.Fatalf("the silent session got %q", r)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Fatal("the listener still accepts after Serve returned")
	}
	if ids := ts.committed(t); len(ids) != 1 {
		t.Fatalf("committed %v, want the busy session's message", ids)
	}
}

// send2 sends DATA and the data, and returns the reply to the final dot.
func (c *client) send2(data string) string {
	c.t.Helper()
	c.expect("DATA", "354 ")
	c.write(data)
	return c.reply()
}

// TestPanicRecovered makes a session panic: the client gets 421 4.3.0, the
// stack is logged, and the server goes on serving.
func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Guard = panicGuard{} })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<panic@elsewhere.example>", "421 4.3.0 Internal error")
	c.closed()
	ts.waitLog(t, "panic: guard exploded")
	c, _ = dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<calm@elsewhere.example>", "250 ")
}

type panicGuard struct{ OpenGuard }

func (panicGuard) Mail(_ Client, from string) error {
	if strings.HasPrefix(from, "panic@") {
		panic("guard exploded")
	}
	return nil
}

// recordGuard records the calls of the state machine and refuses where
// told, as the abuse controls of issue #7 will.
type recordGuard struct {
	mu       sync.Mutex
	calls    []string
	released atomic.Int32
	refuse   map[string]error // by method name
}

func (g *recordGuard) note(call string, method string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, call)
	return g.refuse[method]
}

func (g *recordGuard) Connect(_ context.Context, c Client) (func(), error) {
	err := g.note("connect "+c.IP.String(), "Connect")
	return func() { g.released.Add(1) }, err
}
func (g *recordGuard) AuthFailed(c Client, n int) error {
	return g.note("auth-failed "+itoa(n), "AuthFailed")
}
func (g *recordGuard) Mail(c Client, from string) error {
	return g.note("mail "+from+" helo="+c.Helo+" user="+c.User, "Mail")
}
func (g *recordGuard) MayRelay(c Client) bool {
	g.note("may-relay", "")
	return false
}
func (g *recordGuard) UnknownRecipient(c Client, rcpt string, n int) error {
	return g.note("unknown "+rcpt+" "+itoa(n), "UnknownRecipient")
}
func (g *recordGuard) Message(c Client, size int64, rcpts int) error {
	return g.note("message "+itoa(rcpts), "Message")
}
func (g *recordGuard) FailedCommand(c Client, n int) error {
	if n < 4 {
		return g.note("failed "+itoa(n), "")
	}
	return g.note("failed "+itoa(n), "FailedCommand")
}

func (g *recordGuard) log() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.calls, "; ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestGuardSeam checks that the state machine asks the Guard at each of its
// points, with what it knows, and obeys its refusals.
func TestGuardSeam(t *testing.T) {
	t.Parallel()
	g := &recordGuard{refuse: map[string]error{
		"Message":       reply(452, "4.7.0", "Too many messages from your address this hour"),
		"FailedCommand": reply(421, "4.7.0", "Too many errors, closing connection").closing(),
	}}
	var commits atomic.Int32
	ts := startServer(t, func(o *Options) {
		o.Guard = g
		o.RefileUnknown = false
		o.Committed = func() { commits.Add(1) }
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQB3cm9uZw==", "535 ")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<nobody@test.example>", "550 5.1.1 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "354 ")
	c.write("Subject: refused by the guard\r\n\r\n.\r\n")
	if r := c.reply(); r != "452 4.7.0 Too many messages from your address this hour" {
		t.Fatalf("guard's refusal after the dot: %q", r)
	}
	c.expect("FROB", "500 5.5.1 ")
	c.expect("FROB", "421 4.7.0 Too many errors") // the fourth failed command; AUTH's is not counted
	c.closed()
	want := "connect 127.0.0.1; auth-failed 1; mail a@elsewhere.example helo=client.example user=; " +
		"may-relay; unknown nobody@test.example 1; failed 1; may-relay; message 1; failed 2; failed 3; failed 4"
	if got := g.log(); got != want {
		t.Fatalf("guard calls:\n%s\nwant:\n%s", got, want)
	}
	if ids := ts.committed(t); len(ids) != 0 || commits.Load() != 0 {
		t.Fatalf("refused message committed: %v, hook called %d times", ids, commits.Load())
	}
	ts.waitLog(t, "disconnected")
	if g.released.Load() != 1 {
		t.Fatalf("release called %d times", g.released.Load())
	}

	g2 := &recordGuard{refuse: map[string]error{"Connect": reply(554, "5.7.1", "Your address is blocked")}}
	ts2 := startServer(t, func(o *Options) { o.Guard = g2 })
	c, greet := dial(t, ts2.addr)
	if greet != "554 5.7.1 Your address is blocked" {
		t.Fatalf("blocked client greeted with %q", greet)
	}
	// RFC 5321 §3.1: after a 554 opening, 503 to commands until QUIT.
	c.expect("EHLO client.example", "503 5.5.1 No service: Your address is blocked")
	c.expect("QUIT", "221 ")
	c.closed()
	// A client that never says QUIT is cut off after a few commands.
	c, _ = dial(t, ts2.addr)
	for range refusedCommands {
		c.expect("NOOP", "503 ")
	}
	c.closed()
	// Other refusals (421) close at once.
	g3 := &recordGuard{refuse: map[string]error{"Connect": reply(421, "4.7.0", "Too many connections")}}
	ts3 := startServer(t, func(o *Options) { o.Guard = g3 })
	c, greet = dial(t, ts3.addr)
	if greet != "421 4.7.0 Too many connections" {
		t.Fatalf("greeted with %q", greet)
	}
	c.closed()
}

// TestCommitHook checks that every committed message wakes the MDA, and
// only committed ones.
func TestCommitHook(t *testing.T) {
	t.Parallel()
	var commits atomic.Int32
	ts := startServer(t, func(o *Options) { o.Committed = func() { commits.Add(1) } })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	for i := range 3 {
		if r := c.send("a@elsewhere.example", []string{adminUser}, "Subject: "+itoa(i)+"\r\n\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
			t.Fatal(r)
		}
	}
	c.expect("QUIT", "221 ")
	if commits.Load() != 3 || len(ts.committed(t)) != 3 {
		t.Fatalf("hook called %d times for %d messages", commits.Load(), len(ts.committed(t)))
	}
}

// TestHugeLine sends lines far over every limit but under the 64 KB a line
// may be skipped to its end: a 60 KB command line gets one 500 5.5.2 (RFC
// 5321 §4.5.3.1.4) and the session goes on in step; a 60 KB AUTH response
// ends the exchange with 500 5.5.6 (RFC 4954 §4). TestEndlessLine has the
// lines past that bound.
func TestHugeLine(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	huge := strings.Repeat("A", 60<<10)
	if r := c.cmd("NOOP " + huge); r != "500 5.5.2 Line too long" {
		t.Fatalf("huge command line got %q", r)
	}
	// In step: the next reply is NOOP's, not a second complaint.
	c.expect("NOOP", "250 2.0.0 OK")
	c.expect("AUTH LOGIN", "334 ")
	if r := c.cmd(huge); !strings.HasPrefix(r, "500 5.5.6 ") {
		t.Fatalf("huge AUTH response got %q", r)
	}
	c.expect("NOOP", "250 2.0.0 OK")
	if r := c.send("a@elsewhere.example", []string{adminUser}, "Subject: after\r\n\r\nstill here\r\n.\r\n"); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("message after the huge lines got %q", r)
	}
	if eml, _ := ts.only(t); !strings.Contains(eml, "still here\r\n") {
		t.Fatalf("message:\n%s", eml)
	}
}

// tagGuard tags every message, as HELOCheck=tag does.
type tagGuard struct {
	OpenGuard
	helo []string
}

func (g *tagGuard) Tags(c Client) []string {
	g.helo = append(g.helo, c.Helo)
	return []string{"X-HELO-Warning: \"" + c.Helo + "\" is bogus\r\nInjected: yes\x00\x7f~"}
}

// TestGuardTags: a Guard that is also a Tagger adds its fields below the
// trace fields, each on one line of printable ASCII, whatever it returns.
func TestGuardTags(t *testing.T) {
	t.Parallel()
	g := &tagGuard{}
	ts := startServer(t, func(o *Options) { o.Guard = g })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO bad_name", "250-")
	if r := c.send("a@elsewhere.example", []string{adminUser}, "Subject: tagged\r\n\r\nbody\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	msg, _ := ts.only(t)
	want := "\r\nX-HELO-Warning: \"bad_name\" is bogus??Injected: yes??~\r\nSubject: tagged\r\n"
	if !strings.Contains(msg, want) || strings.Index(msg, "X-GUID:") > strings.Index(msg, "X-HELO-Warning:") {
		t.Fatalf("stored message lacks %q below the trace fields:\n%s", want, msg)
	}
	if len(g.helo) != 1 || g.helo[0] != "bad_name" {
		t.Fatalf("Tags asked with %q", g.helo)
	}
}
