package smtp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/chaos"
	"mailq/config"
	"mailq/internal/testutil"
)

// chaosPlan parses rules (one per line) into a plan with seed.
func chaosPlan(t testing.TB, seed uint64, rules ...string) *chaos.Plan {
	t.Helper()
	p, err := chaos.FromRules(seed, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func withChaos(p *chaos.Plan) func(*Options) { return func(o *Options) { o.Chaos = p } }

// waits records the chaos waits of a server instead of waiting.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) tweak(srv *Server) {
	srv.wait = func(_ context.Context, d time.Duration) bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.d = append(w.d, d)
		return true
	}
}

func (w *waits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// TestChaosRules plays one transcript per kind of rule: replies by stage
// and pattern, drops, closes, hangs, "Nx" limits; the queue shows that a
// refusal at the final dot commits nothing.
func TestChaosRules(t *testing.T) {
	t.Parallel()
	const hello = "S~ ^220 \nC: EHLO c.example\nS* 250-\nS~ ^250 \n"
	for _, tc := range []struct {
		name      string
		rules     []string
		script    string
		committed int
		waited    []time.Duration
	}{
		{"recipient pattern", []string{"fail+*@ RCPT 550 5.1.1 No such user"}, hello + `
C: MAIL FROM:<a@x.example>
S: 250 2.1.0 <a@x.example> Sender OK
C: RCPT TO:<fail+1@test.example>
S: 550 5.1.1 No such user
C: RCPT TO:<FAIL+two@Other.example>
S: 550 5.1.1 No such user
C: RCPT TO:<admin@test.example>
S: 250 2.1.5 <admin@test.example> Recipient OK
C: QUIT
S~ ^221
`, 0, nil},
		{"sender pattern at MAIL", []string{"*@spam.example MAIL 550 5.7.1 Go away"}, hello + `
C: MAIL FROM:<x@spam.example>
S: 550 5.7.1 Go away
C: MAIL FROM:<x@ham.example>
S: 250 2.1.0 <x@ham.example> Sender OK
`, 0, nil},
		{"delay by pattern", []string{"slow@ RCPT delay 30s"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<slow@test.example>
S: 250 2.1.5 <slow@test.example> Recipient OK
C: RCPT TO:<admin@test.example>
S: 250 2.1.5 <admin@test.example> Recipient OK
`, 0, []time.Duration{30 * time.Second}},
		{"connect refused", []string{"* CONNECT 554 5.7.1 No service today"}, `
S: 554 5.7.1 No service today
=  closed
`, 0, nil},
		{"connect close after the greeting", []string{"127.0.0.1 CONNECT close"}, `
S~ ^220 mx.test ESMTP
=  closed
`, 0, nil},
		{"helo hang", []string{"* HELO hang"}, `
S~ ^220
C: EHLO c.example
=  closed
`, 0, []time.Duration{10 * time.Second}},
		{"auth refused", []string{"plain AUTH 454 4.7.0 Try later"}, hello + `
C: AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=
S: 454 4.7.0 Try later
`, 0, nil},
		{"close after MAIL", []string{"* MAIL close"}, hello + `
C: MAIL FROM:<a@x.example>
S: 250 2.1.0 <a@x.example> Sender OK
=  closed
`, 0, nil},
		{"drop at DATA", []string{"* DATA drop"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S~ ^250
C: DATA
=  closed
`, 0, nil},
		{"refused at the final dot", []string{"admin@* EOD 451 4.3.0 Not now"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S~ ^250
C: DATA
S~ ^354
C: Subject: x
C:
C: body
C: .
S: 451 4.3.0 Not now
C: QUIT
S~ ^221
`, 0, nil},
		{"dropped after the final dot", []string{"* EOD drop"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S~ ^250
C: DATA
S~ ^354
C: Subject: x
C:
C: .
=  closed
`, 0, nil},
		{"closed after the message", []string{"* EOD close"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S~ ^250
C: DATA
S~ ^354
C: Subject: x
C:
C: .
S~ ^250 2.0.0 OK queued as
=  closed
`, 1, nil},
		{"first two only", []string{"* RCPT 2x 451 4.3.0 Busy"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S: 451 4.3.0 Busy
C: RCPT TO:<admin@test.example>
S: 451 4.3.0 Busy
C: RCPT TO:<admin@test.example>
S~ ^250 2.1.5
`, 0, nil},
		{"421 closes", []string{"* MAIL 421 4.3.2 Going down"}, hello + `
C: MAIL FROM:<a@x.example>
S: 421 4.3.2 Going down
=  closed
`, 0, nil},
		{"delays add up before the reply", []string{"* RCPT delay 2s", "* RCPT delay 3s", "* RCPT 450 4.2.1 Full", "* RCPT delay 7s"}, hello + `
C: MAIL FROM:<a@x.example>
S~ ^250
C: RCPT TO:<admin@test.example>
S: 450 4.2.1 Full
`, 0, []time.Duration{5 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var w waits
			ts := startServerWith(t, w.tweak, withChaos(chaosPlan(t, 1, tc.rules...)))
			testutil.Transcript(t, ts.addr, tc.script)
			ts.stop()
			if got := len(ts.committed(t)); got != tc.committed {
				t.Errorf("%d committed, want %d", got, tc.committed)
			}
			if left := ts.leftovers(t); len(left) != 0 {
				t.Errorf("left in the queue: %v", left) // a refused message's draft is removed
			}
			if got := w.got(); fmt.Sprint(got) != fmt.Sprint(tc.waited) {
				t.Errorf("waited %v, want %v", got, tc.waited)
			}
			if !strings.Contains(ts.logs.String(), "chaos Rule") {
				t.Errorf("no chaos decision logged:\n%s", ts.logs.String())
			}
		})
	}
}

// chaosSession plays a fixed sequence of commands in one session and
// returns the replies, one a line.
func chaosSession(t *testing.T, c *client, n int) string {
	var b strings.Builder
	b.WriteString(c.cmd("EHLO c.example")[:3] + "\n")
	for m := range 3 {
		b.WriteString(c.cmd("MAIL FROM:<s" + fmt.Sprint(m) + "@x.example>")[:3] + " ")
		for r := range n {
			b.WriteString(c.cmd(fmt.Sprintf("RCPT TO:<r%d@test.example>", r))[:3] + " ")
		}
		b.WriteString(c.cmd("RSET")[:3] + "\n")
	}
	return b.String()
}

var replayRules = []string{"* MAIL 30% 451 4.3.0 Later", "* RCPT 40% 550 5.1.1 Nope", "r1@* RCPT 50% delay 1s"}

// TestChaosReplay: the same seed and the same commands give the same
// replies, session by session, even when the sessions run at the same
// time and interleave differently; each RCPT's outcome is the one the plan
// computes from the seed and the session id; another seed differs.
func TestChaosReplay(t *testing.T) {
	t.Parallel()
	const sessions, rcpts = 4, 8
	run := func(seed uint64, concurrent bool) []string {
		ts := startServerWith(t, (&waits{}).tweak, withChaos(chaosPlan(t, seed, replayRules...)))
		clients := make([]*client, sessions)
		for i := range clients {
			clients[i], _ = dial(t, ts.addr) // greeted in order: ids 1..4
		}
		out := make([]string, sessions)
		var wg sync.WaitGroup
		for i := range clients {
			if !concurrent {
				out[i] = chaosSession(t, clients[sessions-1-i], rcpts) // in reverse
				continue
			}
			wg.Add(1)
			go func() { defer wg.Done(); out[i] = chaosSession(t, clients[i], rcpts) }()
		}
		wg.Wait()
		if !concurrent {
			for i, j := 0, sessions-1; i < j; i, j = i+1, j-1 {
				out[i], out[j] = out[j], out[i]
			}
		}
		return out
	}
	first, again, other := run(42, false), run(42, true), run(43, true)
	for i := range first {
		if first[i] != again[i] {
			t.Errorf("session %d: replay differs:\n%s\nthen\n%s", i+1, first[i], again[i])
		}
	}
	if strings.Join(first, "") == strings.Join(other, "") {
		t.Errorf("seeds 42 and 43 gave the same replies:\n%s", strings.Join(first, ""))
	}
	// Against the plan itself: the replies session 1 must have had.
	p := chaosPlan(t, 42, replayRules...)
	s := p.Stream("1")
	var want strings.Builder
	want.WriteString("250\n")
	for m := range 3 {
		code := "250"
		if d := s.Decide(config.StageMail, fmt.Sprintf("s%d@x.example", m)); d.Final != nil {
			code = fmt.Sprint(d.Final.Code)
		}
		want.WriteString(code + " ")
		for r := range rcpts {
			if code != "250" {
				want.WriteString("503 ") // no MAIL: RCPT out of sequence, and no draw
				continue
			}
			rc := "250"
			if d := s.Decide(config.StageRcpt, fmt.Sprintf("r%d@test.example", r)); d.Final != nil {
				rc = fmt.Sprint(d.Final.Code)
			}
			want.WriteString(rc + " ")
		}
		want.WriteString("250\n")
	}
	if first[0] != want.String() {
		t.Errorf("session 1:\n%s\nthe plan says:\n%s", first[0], want.String())
	}
}

// TestChaosDelayStopsAtShutdown: a real delay (an hour) ends when the
// server stops: the client gets 421 and the close, and Serve returns.
func TestChaosDelayStopsAtShutdown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withChaos(chaosPlan(t, 1, "* MAIL delay 1h")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	c.write("MAIL FROM:<a@x.example>\r\n")
	ts.waitLog(t, "chaos Rule1")
	go ts.stop()
	if r := c.reply(); !strings.HasPrefix(r, "421 4.3.2") {
		t.Errorf("got %q, want 421", r)
	}
	c.closed()
}

// TestChaosShortDelayRealTime: a short real delay, then the usual answer
// (no time is measured: only that the session goes on).
func TestChaosShortDelayRealTime(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withChaos(chaosPlan(t, 1, "* HELO delay 20ms", "* MAIL delay 20ms")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	c.expect("MAIL FROM:<a@x.example>", "250 2.1.0")
}

// TestSinkDiscard: with Discard the message is read to its end and
// acknowledged, and nothing is written.
func TestSinkDiscard(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Discard = true })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	if r := c.send("a@x.example", []string{adminUser}, "Subject: x\r\n\r\nbody\r\n.\r\n"); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("got %q", r)
	}
	c.expect("QUIT", "221")
	ts.stop()
	if ids := ts.committed(t); len(ids) != 0 {
		t.Errorf("committed %v, want nothing", ids)
	}
	if left := ts.leftovers(t); len(left) != 0 {
		t.Errorf("files left: %v", left)
	}
}

// TestChaosHangFlushesPipelined: the answers to the commands pipelined
// before a hanging one reach the client while the server hangs, as a real
// server's would, not after it.
func TestChaosHangFlushesPipelined(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := startServerWith(t, func(srv *Server) {
		srv.wait = func(ctx context.Context, _ time.Duration) bool {
			select { // hangs until the test has read the earlier answers
			case <-release:
			case <-ctx.Done():
			}
			return true
		}
	}, withChaos(chaosPlan(t, 1, "hang@* RCPT hang")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<admin@test.example>\r\nRCPT TO:<hang@test.example>\r\n")
	for _, want := range []string{"250 2.1.0", "250 2.1.5"} {
		if r := c.reply(); !strings.HasPrefix(r, want) {
			t.Fatalf("got %q, want %s", r, want)
		}
	}
	close(release)
	c.closed()
}
