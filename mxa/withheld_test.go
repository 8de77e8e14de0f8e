package mxa

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/queue"
)

// TestNoticeWithholdsAliasTargets: a recipient reached through a
// forwarding alias to another domain that fails is not named in a failure
// notice about mail that came from outside unauthenticated (a sender that
// may be forged, queue.OriginRemote), so the notice cannot reveal the
// alias target (issue 22). A notice naming no one is not sent; the set is
// kept in failed/ either way. A local sender is told as before, with
// Original-Recipient.
func TestNoticeWithholdsAliasTargets(t *testing.T) {
	t.Parallel()
	const alias, target, other = "fwd@local.test", "secret-target@example.org", "gone@example.org"
	for _, c := range []struct {
		name   string
		origin queue.Origin
		rcpts  []queue.Recipient
		named  []string // recipients the notice names; nil: no notice
	}{
		{"remote, only the alias target", queue.OriginRemote,
			[]queue.Recipient{{Addr: target, Orig: alias}}, nil},
		{"remote, alias target and a plain recipient", queue.OriginRemote,
			[]queue.Recipient{{Addr: target, Orig: alias}, {Addr: other}}, []string{other}},
		{"local sender", queue.OriginLocal,
			[]queue.Recipient{{Addr: target, Orig: alias}}, []string{target}},
		{"unknown origin (version 1)", queue.OriginUnknown,
			[]queue.Recipient{{Addr: target, Orig: alias}}, []string{target}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return "550 5.1.1 no such user" }})
			f := newFixture(t, p, nil)
			env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "forged@victim.example",
				ClientIP: netip.MustParseAddr("192.0.2.9"), Origin: c.origin, Recipients: c.rcpts}
			if err := f.tree.WriteSet(queue.External, env, strings.NewReader(testMessage(1))); err != nil {
				t.Fatal(err)
			}
			f.run(queue.External, env.ID)
			f.env(queue.Failed, env.ID) // kept for the administrator
			ids := f.list(queue.Incoming)
			if c.named == nil {
				if len(ids) != 0 || len(f.list(queue.Retry)) != 0 {
					t.Fatalf("a notice was written: incoming %v, retry %v", ids, f.list(queue.Retry))
				}
				if log := f.logFile(); !strings.Contains(log, "no failure notice names <"+target+">") {
					t.Errorf("the log does not say why:\n%s", log)
				}
				return
			}
			if len(ids) != 1 || ids[0] != dsn.ID(env.ID) {
				t.Fatalf("incoming %v, want the notice %s", ids, dsn.ID(env.ID))
			}
			notice := f.body(queue.Incoming, ids[0])
			for _, r := range c.rcpts {
				named := strings.Contains(notice, r.Addr)
				want := strings.Contains(strings.Join(c.named, " "), r.Addr)
				if named != want {
					t.Errorf("notice names <%s>: %v, want %v:\n%s", r.Addr, named, want, notice)
				}
			}
			if revealed := strings.Contains(notice, "Original-Recipient: rfc822; "+alias); revealed != (c.origin != queue.OriginRemote) {
				t.Errorf("Original-Recipient %s in the notice: %v:\n%s", alias, revealed, notice)
			}
		})
	}
}

// TestDelayNoticeWithheld: a delay notice would name only an alias target
// of mail from outside: none is written, and the recipient is marked
// warned all the same, so later attempts do not try again.
func TestDelayNoticeWithheld(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
	f := newFixture(t, p, func(o *Options) { o.MXA.DelayWarning = 4 * time.Hour })
	env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "forged@victim.example",
		ClientIP: netip.MustParseAddr("192.0.2.9"), Origin: queue.OriginRemote,
		Recipients: []queue.Recipient{{Addr: "secret-target@example.org", Orig: "fwd@local.test"}}}
	if err := f.tree.WriteSet(queue.External, env, strings.NewReader(testMessage(1))); err != nil {
		t.Fatal(err)
	}
	f.run(queue.External, env.ID)
	cid := env.ID.Derive(1)
	start := time.Now()
	f.a.now = func() time.Time { return start.Add(5 * time.Hour) }
	if res := f.run(queue.Retry, cid); res.err != nil {
		t.Fatal(res.err)
	}
	if ids := f.list(queue.Incoming); len(ids) != 0 {
		t.Errorf("a delay notice was written: %v", ids)
	}
	if r := f.env(queue.Retry, cid).Recipients[0]; r.Warned.IsZero() {
		t.Errorf("recipient not marked warned: %+v", r)
	}
}
