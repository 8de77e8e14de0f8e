package dsn

import (
	"bytes"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/queue"
)

func TestBounceID(t *testing.T) {
	t.Parallel()
	id := queue.ID("2013100717060690338676")
	b := ID(id)
	if !b.Valid() || b.Copy() != 0 || b == id || b != ID(id) || b[:14] != id[:14] {
		t.Errorf("ID(%s) = %s", id, b)
	}
	if ID(id.Derive(1)) == ID(id.Derive(2)) || ID(id.Derive(1)) == b {
		t.Error("copies share a notice id")
	}
	l := LocalID(id)
	if !l.Valid() || l.Copy() != 0 || l == id || l == b || l != LocalID(id) || l[:14] != id[:14] {
		t.Errorf("LocalID(%s) = %s, ID %s", id, l, b)
	}
}

func TestReadHeader(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"A: 1\r\nB: 2\r\n\r\nbody\r\n": "A: 1\r\nB: 2\r\n",
		"A: 1\nB: 2\n\nbody\n":         "A: 1\r\nB: 2\r\n",
		"A: 1\r\nB: 2":                 "A: 1\r\n",
		"":                             "",
		"A: " + strings.Repeat("x", MaxHeader) + "\r\n": "",
	} {
		if got := string(ReadHeader(strings.NewReader(in))); got != want {
			t.Errorf("ReadHeader(%.20q) = %.40q, want %q", in, got, want)
		}
	}
}

// TestSet renders a notice for a local failure and a remote one, and checks
// the envelope and the report fields of RFC 3464 §2.3.
func TestSet(t *testing.T) {
	t.Parallel()
	failed := &queue.Envelope{ID: "2013100717060612345678", From: "a@b.test", Tracking: "track-1",
		Received: time.Date(2013, 10, 7, 17, 6, 6, 0, time.UTC)}
	n := &Notice{ID: ID(failed.ID), HostName: "mx.test", Env: failed, Now: time.Now(),
		Header: []byte("Subject: hi\r\n"),
		Failed: []Recipient{
			{Addr: "x@local.test", Orig: "alias@local.test", Status: "5.1.1", Diagnostic: "550 5.1.1 No such user here"},
			{Addr: "y@far.test", Status: "5.2.2", RemoteMTA: "mx.far.test", Diagnostic: "552 5.2.2 full",
				Text: "mx.far.test[192.0.2.1] said: 552 5.2.2 full"},
			{Addr: "z@far.test", Status: "2.0.0", Diagnostic: "250 marked failed by hand"},
		}}
	env, msg := n.Set()
	if env.ID != n.ID || env.From != "" || len(env.Recipients) != 1 || env.Recipients[0].Addr != "a@b.test" ||
		env.Body != queue.Body7Bit || env.Tracking == "" {
		t.Errorf("envelope %+v", env)
	}
	for _, want := range []string{
		"To: <a@b.test>\r\n",
		"\r\n<x@local.test>:\r\n    550 5.1.1 No such user here\r\n",
		"\r\n<y@far.test>:\r\n    mx.far.test[192.0.2.1] said: 552 5.2.2 full\r\n",
		"Reporting-MTA: dns; mx.test\r\nX-Mailq-Queue-ID: 2013100717060612345678\r\nX-Mailq-Tracking-ID: track-1\r\n" +
			"Arrival-Date: Mon, 07 Oct 2013 17:06:06 +0000\r\n",
		"\r\nFinal-Recipient: rfc822; x@local.test\r\nOriginal-Recipient: rfc822; alias@local.test\r\n" +
			"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: X-mailq; 550 5.1.1 No such user here\r\n",
		"\r\nFinal-Recipient: rfc822; y@far.test\r\nAction: failed\r\nStatus: 5.2.2\r\n" +
			"Remote-MTA: dns; mx.far.test\r\nDiagnostic-Code: smtp; 552 5.2.2 full\r\n",
		"\r\nFinal-Recipient: rfc822; z@far.test\r\nAction: failed\r\nStatus: 5.0.0\r\n",
		"Content-Type: text/rfc822-headers\r\nContent-Description: Undelivered message header\r\n\r\nSubject: hi\r\n",
	} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("notice lacks %q:\n%s", want, msg)
		}
	}
	n.Header = []byte("Subject: caf\xc3\xa9\r\n")
	if env, _ := n.Set(); env.Body != queue.Body8BitMIME {
		t.Error("an 8-bit header does not make an 8BITMIME notice")
	}
}

// TestSuccessDelayFull renders a success notice with RET=FULL, ENVID and
// ORCPT and a delay notice with the header only, and reads them back with
// the report parser: the actions, statuses and original fields of RFC 3464
// §2.2 and §2.3, and the returned original.
func TestSuccessDelayFull(t *testing.T) {
	t.Parallel()
	env := &queue.Envelope{ID: "2013100717060612345678", From: "a@b.test", EnvID: "env 42",
		Received: time.Date(2013, 10, 7, 17, 6, 6, 0, time.UTC)}
	n := &Notice{ID: ID(env.ID), HostName: "mx.test", Env: env, Now: time.Now(),
		Header: []byte("Subject: hi\r\n"), Body: []byte("the body\r\n"),
		Failed: []Recipient{
			{Addr: "x@local.test", ORcpt: "rfc822;X@Alias.test", Action: ActionDelivered},
			{Addr: "y@far.test", Action: ActionRelayed, RemoteMTA: "mx.far.test", Diagnostic: "250 2.0.0 queued"},
		}}
	_, msg := n.Set()
	types, bodies, blocks := parseNotice(t, msg)
	if types[2] != "message/rfc822" || !strings.Contains(bodies[2], "Subject: hi\r\n\r\nthe body\r\n") {
		t.Errorf("RET=FULL part %q:\n%s", types[2], bodies[2])
	}
	if got := blocks[0].Get("Original-Envelope-Id"); got != "env 42" {
		t.Errorf("Original-Envelope-Id %q", got)
	}
	if b := blocks[1]; b.Get("Action") != "delivered" || b.Get("Status") != "2.0.0" || b.Get("Original-Recipient") != "rfc822; X@Alias.test" {
		t.Errorf("delivered block %v", b)
	}
	if b := blocks[2]; b.Get("Action") != "relayed" || b.Get("Remote-MTA") != "dns; mx.far.test" {
		t.Errorf("relayed block %v", b)
	}
	if !strings.Contains(string(msg), "Subject: Successful Mail Delivery Report\r\n") {
		t.Errorf("subject:\n%s", msg)
	}

	d := &Notice{ID: DelayID(env.ID), HostName: "mx.test", Env: env, Now: time.Now(), Delay: true,
		Header: []byte("Subject: hi\r\n"),
		Failed: []Recipient{{Addr: "y@far.test", Action: ActionDelayed, Status: "4.4.1", Diagnostic: "451 4.4.1 no answer"}}}
	_, msg = d.Set()
	types, _, blocks = parseNotice(t, msg)
	if types[2] != "text/rfc822-headers" || blocks[1].Get("Action") != "delayed" || blocks[1].Get("Status") != "4.4.1" {
		t.Errorf("delay notice %v %v", types, blocks)
	}
	if !strings.Contains(string(msg), "Subject: Delayed Mail") {
		t.Errorf("subject:\n%s", msg)
	}
	ids := map[queue.ID]bool{ID(env.ID): true, LocalID(env.ID): true, DelayID(env.ID): true}
	if len(ids) != 3 || DelayID(env.ID) != DelayID(env.ID) || !DelayID(env.ID).Valid() {
		t.Errorf("notice ids not distinct and stable: %v", ids)
	}
}

func parseNotice(t *testing.T, msg []byte) (types, bodies []string, blocks []textproto.MIMEHeader) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	types, bodies = testutil.ReportParts(t, m.Header, m.Body)
	if len(types) != 3 || types[1] != "message/delivery-status" {
		t.Fatalf("parts %v", types)
	}
	return types, bodies, testutil.FieldBlocks(bodies[1])
}
