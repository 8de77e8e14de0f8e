package mxa

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// TestDeliverAccepted: one session carries every recipient of a set for one
// host, with SIZE and the HostName in EHLO; the set goes to sent/.
func TestDeliverAccepted(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, nil)
	id := f.put(queue.External, "alice@origin.test", "bob@example.org", "carol@example.net")
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	ss := p.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d sessions, want 1", len(ss))
	}
	s := ss[0]
	if s.Helo != "mx.test" || !slices.Equal(s.Rcpts, []string{"bob@example.org", "carol@example.net"}) || !s.Accepted {
		t.Errorf("session %+v", s)
	}
	if want := "FROM:<alice@origin.test> SIZE="; !strings.HasPrefix(s.MailArg, want) {
		t.Errorf("MAIL %q, want %q...", s.MailArg, want)
	}
	if s.Data != f.body(queue.Sent, id) {
		t.Errorf("data %q\nstored %q", s.Data, f.body(queue.Sent, id))
	}
	env := f.env(queue.Sent, id)
	if got := statuses(env); got != "bob@example.org=delivered carol@example.net=delivered" {
		t.Errorf("statuses %s", got)
	}
	if r := env.Recipients[0]; r.Attempts != 1 || !strings.Contains(r.Result, "said: 250 2.0.0 queued") {
		t.Errorf("recipient %+v", r)
	}
	if len(f.list(queue.External)) != 0 || len(f.list(queue.Incoming)) != 0 {
		t.Error("external or incoming not empty")
	}
	if log := f.logFile(); !strings.Contains(log, "SENT") || !strings.Contains(log, "bob@example.org") {
		t.Errorf("mxa log:\n%s", log)
	}
}

// TestOutcomes: per-recipient replies decide each recipient's fate.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	rcptReplies := map[string]string{
		"ok@example.org":    "250 2.1.5 OK",
		"later@example.org": "450 4.2.1 mailbox busy",
		"gone@example.org":  "550 5.1.1 no such user",
	}
	tests := []struct {
		name    string
		peer    *peer
		rcpts   []string
		want    string       // statuses in the set afterwards
		where   queue.Folder // where the set ends up
		retries int          // copies in retry/
		bounce  bool
	}{
		{"mixed", &peer{Rcpt: func(a string) string { return rcptReplies[a] }},
			[]string{"ok@example.org", "later@example.org", "gone@example.org"},
			"ok@example.org=delivered later@example.org=pending gone@example.org=failed", queue.Failed, 1, true},
		{"all deferred", &peer{Rcpt: func(string) string { return "451 4.3.0 try later" }},
			[]string{"a@example.org", "b@example.org"},
			"", -1, 2, false},
		{"data 451", &peer{DataEnd: func(*peerSession) string { return "451 4.3.0 disk full" }},
			[]string{"a@example.org"}, "", -1, 1, false},
		{"DATA refused", &peer{DataReply: "451 4.3.1 no room", Rcpt: func(a string) string { return rcptReplies[a] }},
			[]string{"ok@example.org", "gone@example.org"}, "ok@example.org=pending gone@example.org=failed", queue.Failed, 1, true},
		{"DATA refused, no pipelining", &peer{Ext: []string{}, DataReply: "451 4.3.1 no room", Rcpt: func(a string) string { return rcptReplies[a] }},
			[]string{"ok@example.org", "gone@example.org"}, "ok@example.org=pending gone@example.org=failed", queue.Failed, 1, true},
		{"data 554", &peer{DataEnd: func(*peerSession) string { return "554 5.7.1 spam" }},
			[]string{"a@example.org", "b@example.org"},
			"a@example.org=failed b@example.org=failed", queue.Failed, 0, true},
		{"mail 553", &peer{Mail: func(string) string { return "553 5.7.1 sender refused" }},
			[]string{"a@example.org"}, "a@example.org=failed", queue.Failed, 0, true},
		{"greeting 554", &peer{Greeting: "554 5.7.1 go away"},
			[]string{"a@example.org"}, "a@example.org=failed", queue.Failed, 0, true},
		{"greeting 421", &peer{Greeting: "421 4.3.2 busy"},
			[]string{"a@example.org"}, "", -1, 1, false},
		{"helo fallback", &peer{NoEHLO: true},
			[]string{"a@example.org"}, "a@example.org=delivered", queue.Sent, 0, false},
		{"ehlo 500, helo fallback", &peer{EHLOReply: "500 5.5.2 syntax error"},
			[]string{"a@example.org"}, "a@example.org=delivered", queue.Sent, 0, false},
		{"helo 550", &peer{NoEHLO: true, HELOReply: "550 5.7.1 go away"},
			[]string{"a@example.org"}, "a@example.org=failed", queue.Failed, 0, true},
		{"helo 421", &peer{NoEHLO: true, HELOReply: "421 4.3.2 busy"},
			[]string{"a@example.org"}, "", -1, 1, false},
		{"no pipelining", &peer{Ext: []string{}, Rcpt: func(a string) string { return rcptReplies[a] }},
			[]string{"ok@example.org", "gone@example.org"},
			"ok@example.org=delivered gone@example.org=failed", queue.Failed, 0, true},
		{"size over limit", &peer{Ext: []string{"SIZE 10"}},
			[]string{"a@example.org"}, "a@example.org=failed", queue.Failed, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, tc.peer)
			f := newFixture(t, p, nil)
			id := f.put(queue.External, "alice@origin.test", tc.rcpts...)
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			if tc.where >= 0 {
				if got := statuses(f.env(tc.where, id)); got != tc.want {
					t.Errorf("in %s: %s, want %s", tc.where, got, tc.want)
				}
				if !logged(f.out.String(), string(id), "filed in "+tc.where.String()) {
					t.Errorf("the console does not say where the set went:\n%s", f.out.String())
				}
			} else if n := len(f.list(queue.Sent)) + len(f.list(queue.Failed)) + len(f.list(queue.External)); n != 0 {
				t.Errorf("set kept (%d), want it removed: all its recipients are in retry/", n)
			}
			if tc.where == queue.Sent {
				// What the set says was delivered is what the server took.
				var delivered []string
				for _, r := range f.env(tc.where, id).Recipients {
					if r.Status == queue.StatusDelivered {
						delivered = append(delivered, r.Addr)
					}
				}
				if got := p.Delivered(); !slices.Equal(got, delivered) {
					t.Errorf("the server took %v, the set says %v", got, delivered)
				}
				if ss := p.Sessions(); !ss[len(ss)-1].Quit {
					t.Error("the session ended without QUIT (RFC 5321 §4.1.1.10)")
				}
			}
			retry := f.list(queue.Retry)
			if len(retry) != tc.retries {
				t.Fatalf("retry/ has %v, want %d sets", retry, tc.retries)
			}
			for _, rid := range retry {
				env := f.env(queue.Retry, rid)
				r := env.Recipients[0]
				if len(env.Recipients) != 1 || rid != id.Derive(r.N) || r.Attempts != 1 || r.Status != queue.StatusPending {
					t.Errorf("retry copy %s: %+v", rid, env.Recipients)
				}
				iv := f.a.opt.MXA.RetryInterval
				if d := time.Until(r.Next); d < iv-time.Minute || d > iv+iv/10+time.Second {
					t.Errorf("retry copy due in %s, want %s plus up to a tenth", d, iv)
				}
				if f.body(queue.Retry, rid) != f.body(queue.Retry, rid) || !strings.Contains(f.body(queue.Retry, rid), "Subject: test") {
					t.Error("retry copy body")
				}
			}
			if got := len(f.list(queue.Incoming)); got != map[bool]int{true: 1, false: 0}[tc.bounce] {
				t.Errorf("%d failure notices in the incoming queue, want bounce=%v", got, tc.bounce)
			}
		})
	}
}

// TestTransportFailures: a server that hangs, drops or refuses leaves every
// recipient to try again, with a reason.
func TestTransportFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		peer *peer
		want string // in the recorded result
	}{
		{"hang after greeting", &peer{HangAt: "EHLO"}, "4.4.2"},
		{"silent", &peer{Hang: true}, "timed out waiting for the greeting"},
		{"drop in data", &peer{DropInData: true}, "closed the connection"},
		{"no reply after the dot", &peer{HangAt: "DATA-END"}, "timed out waiting for the reply to the end of data"},
		{"garbage", &peer{Greeting: "hello there"}, "malformed reply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, tc.peer)
			f := newFixture(t, p, nil)
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			env := f.env(queue.Retry, id.Derive(1))
			if r := env.Recipients[0]; !strings.Contains(r.Result, tc.want) || r.Status != queue.StatusPending {
				t.Errorf("result %q, want it to contain %q", r.Result, tc.want)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		p.ln.Close() // nothing listens there any more
		f := newFixture(t, p, nil)
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "451 4.4.1 connection to") {
			t.Errorf("result %q", r.Result)
		}
	})
}

// TestRetryThenSent: a copy in retry/ is tried when due and filed in sent/.
func TestRetryThenSent(t *testing.T) {
	t.Parallel()
	busy := true
	p := startPeer(t, &peer{Rcpt: func(string) string {
		if busy {
			return "452 4.2.2 over quota"
		}
		return "250 OK"
	}})
	f := newFixture(t, p, nil)
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.run(queue.External, id)
	cid := id.Derive(1)
	// Not due yet: nothing happens.
	if res := f.run(queue.Retry, cid); res.err != nil || len(p.Sessions()) != 1 {
		t.Fatalf("not due: %v, %d sessions", res.err, len(p.Sessions()))
	}
	p.set(func() { busy = false })
	f.a.now = func() time.Time { return time.Now().Add(2 * f.a.opt.MXA.RetryInterval) }
	if res := f.run(queue.Retry, cid); res.err != nil {
		t.Fatal(res.err)
	}
	env := f.env(queue.Sent, cid)
	if r := env.Recipients[0]; r.Status != queue.StatusDelivered || r.Attempts != 2 {
		t.Errorf("recipient %+v", r)
	}
	if len(f.list(queue.Retry)) != 0 {
		t.Error("retry/ not empty")
	}
}

// TestRetryAgain: a copy that fails again stays in retry/ with a later time.
func TestRetryAgain(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
	f := newFixture(t, p, nil)
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.run(queue.External, id)
	cid := id.Derive(1)
	first := f.env(queue.Retry, cid).Recipients[0].Next
	later := time.Now().Add(2 * f.a.opt.MXA.RetryInterval)
	f.a.now = func() time.Time { return later }
	res := f.run(queue.Retry, cid)
	r := f.env(queue.Retry, cid).Recipients[0]
	if r.Attempts != 2 || !r.Next.After(first) || len(res.retry) != 1 || res.retry[0].id != cid {
		t.Errorf("after the second try: %+v, retry %v", r, res.retry)
	}
}

// TestExpiry: a recipient still deferred after MessageExpiry fails, with
// status 4.4.7 and a failure notice; expiry counts from the recorded receive
// time.
func TestExpiry(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
	f := newFixture(t, p, nil)
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.run(queue.External, id)
	cid := id.Derive(1)
	f.a.now = func() time.Time { return time.Now().Add(f.a.opt.MXA.Expiry + time.Minute) }
	f.run(queue.Retry, cid)
	env := f.env(queue.Failed, cid)
	if r := env.Recipients[0]; r.Status != queue.StatusFailed || !strings.Contains(r.Result, "451 4.4.7 gave up after 24h") || !strings.Contains(r.Result, "greylisted") {
		t.Errorf("recipient %+v", r)
	}
	if n := len(f.list(queue.Incoming)); n != 1 {
		t.Fatalf("%d notices", n)
	}
}

// TestNoBounce: no failure notice for the null sender or with bounces off.
func TestNoBounce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, from string
		on         bool
	}{{"null sender", "", true}, {"bounces off", "alice@origin.test", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return "550 5.1.1 no" }})
			f := newFixture(t, p, func(o *Options) { o.MXA.FailureBounce = tc.on })
			id := f.put(queue.External, tc.from, "bob@example.org")
			f.run(queue.External, id)
			if len(f.list(queue.Failed)) != 1 || len(f.list(queue.Incoming)) != 0 {
				t.Errorf("failed %v incoming %v", f.list(queue.Failed), f.list(queue.Incoming))
			}
		})
	}
}

// TestDeleteOnSend: SMTPDeleteOnSend removes a delivered set, and says so.
func TestDeleteOnSend(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.MXA.DeleteOnSend = true })
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.run(queue.External, id)
	if len(f.list(queue.Sent)) != 0 || len(f.list(queue.External)) != 0 || len(p.Delivered()) != 1 {
		t.Errorf("sent %v external %v delivered %v", f.list(queue.Sent), f.list(queue.External), p.Delivered())
	}
	if !logged(f.out.String(), string(id), "filed in removed") {
		t.Errorf("the console does not say the set was removed:\n%s", f.out.String())
	}
}

// TestLoops: mail is never delivered to ourselves.
func TestLoops(t *testing.T) {
	t.Parallel()
	t.Run("gateway is our listener", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		f := newFixture(t, p, func(o *Options) { o.Listen = []netip.AddrPort{p.Addr} })
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		if len(p.Sessions()) != 0 {
			t.Error("connected to itself")
		}
		if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "4.4.6") {
			t.Errorf("result %q", r.Result)
		}
	})
	t.Run("listening on every address", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		f := newFixture(t, p, func(o *Options) {
			o.Listen = []netip.AddrPort{netip.AddrPortFrom(netip.IPv6Unspecified(), p.Addr.Port())}
		})
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		if len(p.Sessions()) != 0 {
			t.Error("connected to itself")
		}
	})
	t.Run("gateway named as our host", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		f := newFixture(t, nil, func(o *Options) {
			o.MXA.MX = config.MXGateway
			o.MXA.Gateway = "MX.test:" + strconv.Itoa(int(p.Addr.Port()))
			o.Listen = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), p.Addr.Port())}
		})
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "451 4.4.6 MX.test port") {
			t.Errorf("result %q", r.Result)
		}
	})
	t.Run("gateway named by one of our domains", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		f := newFixture(t, nil, func(o *Options) {
			o.MXA.MX = config.MXGateway
			o.MXA.Gateway = "Local.test:" + strconv.Itoa(int(p.Addr.Port()))
			o.Listen = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("192.0.2.1"), p.Addr.Port())}
		})
		f.a.router.lookup = fixedLookup(p.Addr.Addr())
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		if len(p.Sessions()) != 0 {
			t.Error("connected to itself")
		}
		if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "451 4.4.6 Local.test port") {
			t.Errorf("result %q", r.Result)
		}
	})
	t.Run("local domain", func(t *testing.T) {
		t.Parallel()
		p := startPeer(t, &peer{})
		f := newFixture(t, p, nil)
		id := f.put(queue.External, "alice@origin.test", "bob@example.org", "me@LOCAL.test")
		f.run(queue.External, id)
		if got := p.Delivered(); !slices.Equal(got, []string{"bob@example.org"}) {
			t.Errorf("delivered %v", got)
		}
		if r := f.env(queue.Retry, id.Derive(2)).Recipients[0]; !strings.Contains(r.Result, "4.4.6 local.test is a domain of this server") {
			t.Errorf("result %q", r.Result)
		}
	})
}
