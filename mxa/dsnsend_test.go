package mxa

import (
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// putDSN writes a set from alice to rcpts into external/ with the DSN
// request RET=FULL, ENVID "env 1".
func (f *fixture) putDSN(rcpts ...queue.Recipient) queue.ID {
	f.t.Helper()
	env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "alice@origin.test", Ret: queue.RetFull,
		EnvID: "env 1", Recipients: rcpts}
	if err := f.tree.WriteSet(queue.External, env, strings.NewReader(testMessage(0))); err != nil {
		f.t.Fatal(err)
	}
	return env.ID
}

// readNotice parses the notice id of the incoming queue: its parts and the
// field blocks of its report.
func (f *fixture) readNotice(id queue.ID) (types []string, blocks []textproto.MIMEHeader, subject string) {
	f.t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(f.body(queue.Incoming, id)))
	if err != nil {
		f.t.Fatal(err)
	}
	types, bodies := testutil.ReportParts(f.t, msg.Header, msg.Body)
	if len(types) != 3 {
		f.t.Fatalf("parts %q", types)
	}
	return types, testutil.FieldBlocks(bodies[1]), msg.Header.Get("Subject")
}

// TestDSNPassedOn: a next hop that offers DSN gets RET, ENVID, NOTIFY and
// ORCPT (RFC 3461 §5.2, xtext encoded again), and reports success itself:
// the recipient is marked passed and no notice is written here.
func TestDSNPassedOn(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Ext: []string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN"}})
	f := newFixture(t, p, nil)
	id := f.putDSN(queue.Recipient{Addr: "bob@example.org", Notify: queue.NotifySuccess | queue.NotifyFailure, ORcpt: "rfc822;Bob+x@Example.org"},
		queue.Recipient{Addr: "carol@example.org"})
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	s := p.Sessions()
	if len(s) != 1 || s[0].MailArg != "FROM:<alice@origin.test> BODY=8BITMIME RET=FULL ENVID=env+201" && s[0].MailArg != "FROM:<alice@origin.test> RET=FULL ENVID=env+201" {
		t.Fatalf("MAIL %q", s[0].MailArg)
	}
	if want := []string{"NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Bob+2Bx@Example.org", ""}; strings.Join(s[0].RcptArgs, "|") != strings.Join(want, "|") {
		t.Errorf("RCPT parameters %q, want %q", s[0].RcptArgs, want)
	}
	env := f.env(queue.Sent, id)
	if !env.Recipients[0].Passed || env.Recipients[0].Status != queue.StatusDelivered {
		t.Errorf("recipient %+v", env.Recipients[0])
	}
	if ids := f.list(queue.Incoming); len(ids) != 0 {
		t.Errorf("a notice was written: %v", ids)
	}
}

// TestRelayedNotice: a next hop without DSN gets none of the parameters,
// and a recipient with NOTIFY=SUCCESS gets a success notice from here
// (RFC 3461 §6.2.2: Action relayed) naming the next hop; one without
// SUCCESS is not named.
func TestRelayedNotice(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, nil)
	id := f.putDSN(queue.Recipient{Addr: "bob@example.org", Notify: queue.NotifySuccess, ORcpt: "rfc822;bob@example.org"},
		queue.Recipient{Addr: "carol@example.org"})
	if res := f.run(queue.External, id); res.err != nil || !res.bounced {
		t.Fatalf("run: %+v", res)
	}
	s := p.Sessions()
	if strings.Contains(s[0].MailArg, "RET=") || strings.Join(s[0].RcptArgs, "") != "" {
		t.Errorf("parameters sent to a server without DSN: %q %q", s[0].MailArg, s[0].RcptArgs)
	}
	ids := f.list(queue.Incoming)
	if len(ids) != 1 || ids[0] != dsn.ID(id) {
		t.Fatalf("incoming %v, want the notice %s", ids, dsn.ID(id))
	}
	if out := f.out.String(); !strings.Contains(out, "success notice "+string(ids[0])+" to <alice@origin.test> for 1 recipient(s) relayed") ||
		strings.Contains(out, "failure notice") {
		t.Errorf("the console does not report one success notice:\n%s", out)
	}
	types, blocks, subject := f.readNotice(ids[0])
	if subject != "Successful Mail Delivery Report" || types[2] != "message/rfc822" {
		t.Errorf("subject %q, parts %q", subject, types)
	}
	if len(blocks) != 2 || blocks[0].Get("Original-Envelope-Id") != "env 1" {
		t.Fatalf("report %v", blocks)
	}
	b := blocks[1]
	if b.Get("Final-Recipient") != "rfc822; bob@example.org" || b.Get("Action") != "relayed" ||
		b.Get("Status") != "2.0.0" || !strings.HasPrefix(b.Get("Remote-MTA"), "dns; ") {
		t.Errorf("recipient block %v", b)
	}
	if held, err := f.tree.Held(f.env(queue.Incoming, ids[0])); err != nil || held {
		t.Errorf("notice held after its set was filed: %v, %v", held, err)
	}
}

// TestNotifyNeverNoBounce: a permanent failure of a recipient with
// NOTIFY=NEVER, or with a NOTIFY without FAILURE, gives no failure notice
// (RFC 3461 §4.1); the set is still filed into failed/.
func TestNotifyNeverNoBounce(t *testing.T) {
	t.Parallel()
	for _, n := range []queue.Notify{queue.NotifyNever, queue.NotifyDelay} {
		p := startPeer(t, &peer{Rcpt: func(string) string { return "550 5.1.1 no such user" }})
		f := newFixture(t, p, nil)
		id := f.putDSN(queue.Recipient{Addr: "bob@example.org", Notify: n})
		f.run(queue.External, id)
		if len(f.list(queue.Failed)) != 1 || len(f.list(queue.Incoming)) != 0 {
			t.Errorf("NOTIFY=%v: failed %v, incoming %v", n, f.list(queue.Failed), f.list(queue.Incoming))
		}
	}
}

// TestDelayNotice: with an injected clock, a recipient still deferred
// DelayWarningHours after the receive time gets one delay notice (Action
// delayed) under dsn.DelayID of its retry copy, and the copy records it
// (warned=): later attempts write no second one. NOTIFY without DELAY, or
// DelayWarningHours=0, gives none.
func TestDelayNotice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		notify queue.Notify
		hours  time.Duration
		want   bool
	}{
		{"absent NOTIFY", 0, 4, true},
		{"NOTIFY=DELAY", queue.NotifyDelay, 4, true},
		{"NOTIFY=FAILURE", queue.NotifyFailure, 4, false},
		{"DelayWarningHours=0", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
			f := newFixture(t, p, func(o *Options) { o.MXA.DelayWarning = c.hours * time.Hour })
			id := f.putDSN(queue.Recipient{Addr: "bob@example.org", Notify: c.notify})
			f.run(queue.External, id)
			cid := id.Derive(1)
			if n := len(f.list(queue.Incoming)); n != 0 {
				t.Fatalf("%d notices before DelayWarningHours", n)
			}
			start := time.Now()
			for _, after := range []time.Duration{5 * time.Hour, 6 * time.Hour} {
				f.a.now = func() time.Time { return start.Add(after) }
				if res := f.run(queue.Retry, cid); res.err != nil {
					t.Fatal(res.err)
				}
			}
			ids := f.list(queue.Incoming)
			if !c.want {
				if len(ids) != 0 {
					t.Fatalf("notices %v", ids)
				}
				return
			}
			if len(ids) != 1 || ids[0] != dsn.DelayID(cid) {
				t.Fatalf("incoming %v, want one delay notice %s", ids, dsn.DelayID(cid))
			}
			if r := f.env(queue.Retry, cid).Recipients[0]; r.Warned.IsZero() || r.Attempts != 3 {
				t.Errorf("copy %+v", r)
			}
			types, blocks, subject := f.readNotice(ids[0])
			if !strings.HasPrefix(subject, "Delayed Mail") || types[2] != "message/rfc822" || len(blocks) != 2 {
				t.Fatalf("subject %q, parts %q, blocks %v", subject, types, blocks)
			}
			if b := blocks[1]; b.Get("Action") != "delayed" || b.Get("Status") != "4.7.1" || !strings.Contains(b.Get("Diagnostic-Code"), "greylisted") {
				t.Errorf("recipient block %v", b)
			}
			n := f.env(queue.Incoming, ids[0])
			if n.Notice.ID != cid || !n.Notice.Delay {
				t.Errorf("notice field %+v", n.Notice)
			}
			if held, err := f.tree.Held(n); err != nil || held {
				t.Errorf("delay notice still held after the mark: %v, %v", held, err)
			}
		})
	}
}
