package mda

import (
	"net/mail"
	"strings"
	"testing"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// commitDSN commits testMessage from alice with the DSN request of RFC 3461
// on each recipient.
func (tb *testbed) commitDSN(ret queue.Ret, rcpts ...queue.Recipient) queue.ID {
	tb.t.Helper()
	d, err := tb.tree.NewDraft(queue.Incoming)
	if err != nil {
		tb.t.Fatal(err)
	}
	if _, err := d.Write([]byte(testMessage)); err != nil {
		tb.t.Fatal(err)
	}
	env := &queue.Envelope{From: "alice@test.example", Ret: ret, EnvID: "env-7", Recipients: rcpts}
	if err := d.Commit(env); err != nil {
		tb.t.Fatal(err)
	}
	return env.ID
}

// TestSuccessNotice: a local delivery asked for with NOTIFY=SUCCESS gets a
// success notice (RFC 3464 Action: delivered) with the ORCPT and ENVID,
// returning the whole message for RET=FULL; a recipient without SUCCESS is
// not named; the external recipient keeps its request in the external set
// for the MXA; a failed one with NOTIFY=NEVER is named nowhere.
func TestSuccessNotice(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) {
		o.MDA.RefileUnknownUsers, o.FailureBounce, o.HostName = false, true, "mx.test.example"
	})
	id := tb.commitDSN(queue.RetFull,
		queue.Recipient{Addr: "bob@test.example", Notify: queue.NotifySuccess | queue.NotifyFailure, ORcpt: "rfc822;Bob@Test.example"},
		queue.Recipient{Addr: "alice@test.example"},
		queue.Recipient{Addr: "ghost@test.example", Notify: queue.NotifyNever},
		queue.Recipient{Addr: "far@elsewhere.example", Notify: queue.NotifySuccess, ORcpt: "rfc822;far@elsewhere.example"})
	tb.fileAll(a)
	ext, err := tb.tree.Envelope(queue.External, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := ext.Recipients[0]; r.Notify != queue.NotifySuccess || r.ORcpt != "rfc822;far@elsewhere.example" || ext.Ret != queue.RetFull || ext.EnvID != "env-7" {
		t.Errorf("external set lost the DSN request: %+v %+v", ext, r)
	}
	n := dsn.LocalID(id)
	tb.fileAll(a) // the notice, written during the first pass
	body := tb.read("users/alice@test.example/" + string(n) + ".eml")
	msg, err := mail.ReadMessage(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Subject"); got != "Successful Mail Delivery Report" {
		t.Errorf("Subject %q", got)
	}
	types, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
	if len(types) != 3 || types[2] != "message/rfc822" || !strings.Contains(bodies[2], "\r\n\r\nHello.\r\n") {
		t.Fatalf("parts %q:\n%s", types, body)
	}
	blocks := testutil.FieldBlocks(bodies[1])
	if len(blocks) != 2 || blocks[0].Get("Original-Envelope-Id") != "env-7" {
		t.Fatalf("report:\n%s", bodies[1])
	}
	b := blocks[1]
	if b.Get("Final-Recipient") != "rfc822; bob@test.example" || b.Get("Original-Recipient") != "rfc822; Bob@Test.example" ||
		b.Get("Action") != "delivered" || b.Get("Status") != "2.0.0" {
		t.Errorf("recipient block %v", b)
	}
	if strings.Contains(body, "ghost") {
		t.Errorf("the notice names the NOTIFY=NEVER recipient:\n%s", body)
	}
}

// TestNotifyNever: a recipient given up with NOTIFY=NEVER, or with a
// NOTIFY that leaves out FAILURE, gets no failure notice (RFC 3461 §4.1);
// it is still kept in failed/.
func TestNotifyNever(t *testing.T) {
	t.Parallel()
	for _, notify := range []queue.Notify{queue.NotifyNever, queue.NotifySuccess | queue.NotifyDelay} {
		tb := newTestbed(t)
		a := tb.agent(func(o *Options) { o.MDA.RefileUnknownUsers, o.FailureBounce = false, true })
		id := tb.commitDSN(queue.RetUnset, queue.Recipient{Addr: "ghost@test.example", Notify: notify})
		tb.fileAll(a)
		want := expand(id, "queue/failed/{id}-1.auth", "queue/failed/{id}-1.eml")
		if got := tb.files(); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("NOTIFY=%v: tree %q, want %q", notify, got, want)
		}
	}
}
