package mxa

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// TestBounceContent fails two of three recipients and parses the failure
// notice the agent writes into the incoming queue (RFC 3464, RFC 6522).
func TestBounceContent(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Rcpt: func(a string) string {
		switch a {
		case "gone@example.org":
			return "550 5.1.1 <gone@example.org>: no such user"
		case "full@example.org":
			return "552 5.2.2 mailbox full"
		}
		return "250 OK"
	}})
	f := newFixture(t, p, nil)
	id := f.put(queue.External, "alice@origin.test", "ok@example.org", "gone@example.org", "full@example.org")
	f.run(queue.External, id)
	orig := f.body(queue.Failed, id)
	failedEnv := f.env(queue.Failed, id)

	ids := f.list(queue.Incoming)
	if len(ids) != 1 || ids[0] != dsn.ID(id) {
		t.Fatalf("incoming %v, want [%s]", ids, dsn.ID(id))
	}
	if out := f.out.String(); !strings.Contains(out, "failure notice "+string(dsn.ID(id))+" to <alice@origin.test> for 2 recipient(s)") ||
		strings.Contains(out, "success notice") {
		t.Errorf("the console does not report one failure notice for two recipients:\n%s", out)
	}
	env := f.env(queue.Incoming, ids[0])
	if env.From != "" || len(env.Recipients) != 1 || env.Recipients[0].Addr != "alice@origin.test" {
		t.Errorf("notice envelope from %q to %+v", env.From, env.Recipients)
	}
	msg, err := mail.ReadMessage(strings.NewReader(f.body(queue.Incoming, ids[0])))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	for k, want := range map[string]string{
		"From": "Mail Delivery System <MAILER-DAEMON@mx.test>", "To": "<alice@origin.test>",
		"Auto-Submitted": "auto-replied", "MIME-Version": "1.0",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	parts, bodies := testutil.ReportParts(t, h, msg.Body)
	if strings.Join(parts, ", ") != "text/plain; charset=us-ascii, message/delivery-status, text/rfc822-headers" {
		t.Fatalf("parts %v", parts)
	}
	if !strings.Contains(bodies[0], "<gone@example.org>:") || strings.Contains(bodies[0], "ok@example.org") {
		t.Errorf("text part:\n%s", bodies[0])
	}

	// message/delivery-status: one block per message, one per recipient.
	blocks := testutil.FieldBlocks(bodies[1])
	if len(blocks) != 3 {
		t.Fatalf("%d blocks in the report, want 3:\n%s", len(blocks), bodies[1])
	}
	if got := blocks[0].Get("Reporting-MTA"); got != "dns; mx.test" {
		t.Errorf("Reporting-MTA %q", got)
	}
	arrival, err := mail.ParseDate(blocks[0].Get("Arrival-Date"))
	if err != nil || !arrival.Equal(failedEnv.Received.Truncate(time.Second)) {
		t.Errorf("Arrival-Date %q (%v), want %v", blocks[0].Get("Arrival-Date"), err, failedEnv.Received)
	}
	for i, want := range []struct{ rcpt, status, diag string }{
		{"gone@example.org", "5.1.1", "smtp; 550 5.1.1 <gone@example.org>: no such user"},
		{"full@example.org", "5.2.2", "smtp; 552 5.2.2 mailbox full"},
	} {
		b := blocks[i+1]
		got := []string{b.Get("Final-Recipient"), b.Get("Action"), b.Get("Status"), b.Get("Remote-MTA"), b.Get("Diagnostic-Code")}
		exp := []string{"rfc822; " + want.rcpt, "failed", want.status, "dns; 127.0.0.1", want.diag}
		if strings.Join(got, "|") != strings.Join(exp, "|") {
			t.Errorf("recipient block %d:\n got %q\nwant %q", i, got, exp)
		}
	}
	// text/rfc822-headers: the original header, exactly.
	header, _, _ := strings.Cut(orig, "\r\n\r\n")
	if got := strings.TrimRight(bodies[2], "\r\n"); got != header {
		t.Errorf("headers part %q\nwant %q", got, header)
	}
}

func TestNotice8Bit(t *testing.T) {
	t.Parallel()
	n := &dsn.Notice{ID: "2013100717060690338676", HostName: "mx.test",
		Env:    &queue.Envelope{ID: "2013100717060612345678", From: "a@b.test"},
		Failed: noticeRecipients([]queue.Recipient{{Addr: "x@y.test", Result: "weird\x01reply\xff"}}, dsn.ActionFailed),
		Header: []byte("Subject: caf\xc3\xa9\r\n"), Now: time.Now()}
	msg, body8 := n.Build()
	if !body8 || !strings.Contains(string(msg), "Content-Transfer-Encoding: 8bit") {
		t.Error("8-bit header not declared")
	}
	if !strings.Contains(string(msg), "Diagnostic-Code: X-mailq; 554 5.0.0 weird?reply?") {
		t.Errorf("diagnostic not cleaned:\n%s", msg)
	}
}
