package mda

import (
	"path/filepath"
	"strings"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// TestDirectBox checks which one-recipient messages the SMTP server may
// file directly: those whose only copy the pass would write into an
// account's mailbox, with the mailbox and X-Original-To the pass would
// give them; everything the pass does more for (an unknown user's folder,
// an external address, a group, a loop, a success notice, scripts) is
// refused.
func TestDirectBox(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	cases := []struct {
		rcpt      queue.Recipient
		box, orig string
		ok        bool
	}{
		{queue.Recipient{Addr: "alice@test.example"}, "alice@test.example", "", true},
		{queue.Recipient{Addr: "ALICE@Test.Example"}, "alice@test.example", "", true},
		{queue.Recipient{Addr: "sales@test.example"}, "alice@test.example", "sales@test.example", true},
		{queue.Recipient{Addr: "team@test.example"}, "alice@test.example", "team@test.example", true},
		{queue.Recipient{Addr: "abuse@other.example"}, "bob@test.example", "abuse@other.example", true},
		{queue.Recipient{Addr: "alice@test.example", Notify: queue.NotifyFailure | queue.NotifyDelay}, "alice@test.example", "", true},
		{queue.Recipient{Addr: "alice@test.example", Notify: queue.NotifySuccess}, "", "", false},
		{queue.Recipient{Addr: "nobody@test.example"}, "", "", false}, // unknown: refiled
		{queue.Recipient{Addr: "ghost@test.example"}, "", "", false},  // an alias to an unknown user
		{queue.Recipient{Addr: "fwd@test.example"}, "", "", false},    // forwarded out
		{queue.Recipient{Addr: "someone@far.example"}, "", "", false}, // external
		{queue.Recipient{Addr: "loop1@test.example"}, "", "", false},  // a loop
		{queue.Recipient{Addr: "crew@test.example"}, "", "", false},   // a group
		{queue.Recipient{Addr: "not an address"}, "", "", false},      // given up
	}
	for _, c := range cases {
		box, orig, ok := a.DirectBox(c.rcpt)
		if box != c.box || orig != c.orig || ok != c.ok {
			t.Errorf("DirectBox(%+v) = %q, %q, %v; want %q, %q, %v", c.rcpt, box, orig, ok, c.box, c.orig, c.ok)
		}
	}

	scripted := tb.agent(func(o *Options) {
		o.Scripts = config.Scripts{Enabled: true, System: filepath.Join(tb.root, "none.sh")}
	})
	if box, _, ok := scripted.DirectBox(queue.Recipient{Addr: "alice@test.example"}); ok {
		t.Errorf("with delivery scripts, DirectBox allowed %q", box)
	}
}

// TestDirectBoxCapture checks capture mode: every address is filed into
// its folded mailbox, the address as received kept for X-Original-To.
func TestDirectBoxCapture(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) { o.Capture = config.Capture{On: true, PlusFold: true} })
	box, orig, ok := a.DirectBox(queue.Recipient{Addr: "Dev+Tag@Far.example"})
	if !ok || box != "dev@far.example" || orig != "Dev+Tag@Far.example" {
		t.Errorf("DirectBox = %q, %q, %v; want dev@far.example, Dev+Tag@Far.example, true", box, orig, ok)
	}
}

// TestDirectFiled checks that a message filed directly is logged as the
// pass logs a delivered copy.
func TestDirectFiled(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	env := &queue.Envelope{ID: "2026120412000000123456", Tracking: "trk-1", From: "robot@far.example", Size: 120}
	a.Filed(env, "alice@test.example", "sales@test.example")
	log := tb.mdaLog()
	for _, want := range []string{string(env.ID), "trk-1", "robot@far.example", "delivered to alice@test.example", "sales@test.example"} {
		if !strings.Contains(log, want) {
			t.Errorf("the MDA log lacks %q:\n%s", want, log)
		}
	}
}
