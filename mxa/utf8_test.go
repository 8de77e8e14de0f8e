package mxa

import (
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// peerExt is the peer's default EHLO keywords, plus SMTPUTF8 when utf8.
func peerExt(utf8 bool) []string {
	ext := []string{"PIPELINING", "SIZE 10000000", "8BITMIME", "ENHANCEDSTATUSCODES"}
	if utf8 {
		ext = append(ext, "SMTPUTF8")
	}
	return ext
}

// putUTF8 writes a set received with SMTPUTF8 (when flagged) whose
// header has the given Subject.
func (f *fixture) putUTF8(flagged bool, subject, from string, rcpts ...string) queue.ID {
	f.t.Helper()
	env := &queue.Envelope{ID: queue.NewID(time.Now()), From: from, SMTPUTF8: flagged,
		Body: queue.Body8BitMIME, ClientIP: netip.MustParseAddr("192.0.2.9")}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, queue.Recipient{Addr: r})
	}
	msg := "From: sender@origin.test\r\nTo: someone@example.org\r\nSubject: " + subject + "\r\n\r\nGr\xc3\xbc\xc3\x9fe.\r\n"
	if err := f.tree.WriteSet(queue.External, env, strings.NewReader(msg)); err != nil {
		f.t.Fatal(err)
	}
	return env.ID
}

// TestSMTPUTF8Out: what MAIL and RCPT carry, and each recipient's fate, for
// a next hop that offers SMTPUTF8 and one that does not (RFC 6531 §3.4,
// §3.5; the downgrade of utf8.go).
func TestSMTPUTF8Out(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		offer    bool   // the peer offers SMTPUTF8
		noPipe   bool   // the peer does not offer PIPELINING (one command at a time)
		flagged  bool   // the set was received with SMTPUTF8
		subject  string // the message's Subject
		from     string
		rcpts    []string
		mail     string // the MAIL argument's start and end ("" none sent)
		sent     []string
		statuses string
	}{
		{name: "offered", offer: true, flagged: true, subject: "caf\xc3\xa9", from: "j\xc3\xb6rg@origin.test",
			rcpts:    []string{"\xc3\xbc@xn--bcher-kva.example", "bob@example.org"},
			mail:     "FROM:<j\xc3\xb6rg@origin.test> SIZE=|BODY=8BITMIME SMTPUTF8",
			sent:     []string{"\xc3\xbc@xn--bcher-kva.example", "bob@example.org"},
			statuses: "\xc3\xbc@xn--bcher-kva.example=delivered bob@example.org=delivered"},
		{name: "offered, no pipelining", offer: true, noPipe: true, flagged: true, subject: "caf\xc3\xa9", from: "",
			rcpts: []string{"\xc3\xbc@example.org"}, mail: "FROM:<> SIZE=|BODY=8BITMIME SMTPUTF8",
			sent: []string{"\xc3\xbc@example.org"}, statuses: "\xc3\xbc@example.org=delivered"},
		{name: "downgrade, no pipelining", noPipe: true, flagged: true, subject: "plain", from: "",
			rcpts: []string{"\xc3\xbc@example.org", "bob@example.org"}, mail: "FROM:<> SIZE=|BODY=8BITMIME",
			sent: []string{"bob@example.org"}, statuses: "\xc3\xbc@example.org=failed bob@example.org=delivered"},
		{name: "not flagged: no parameter", offer: true, subject: "plain", from: "alice@origin.test",
			rcpts: []string{"bob@example.org"}, mail: "FROM:<alice@origin.test> SIZE=|BODY=8BITMIME",
			sent: []string{"bob@example.org"}, statuses: "bob@example.org=delivered"},
		{name: "downgrade: ASCII recipient goes, UTF-8 one fails", flagged: true, subject: "plain", from: "alice@origin.test",
			rcpts:    []string{"\xc3\xbc@example.org", "bob@xn--bcher-kva.example"},
			mail:     "FROM:<alice@origin.test> SIZE=|BODY=8BITMIME",
			sent:     []string{"bob@xn--bcher-kva.example"},
			statuses: "\xc3\xbc@example.org=failed bob@xn--bcher-kva.example=delivered"},
		{name: "downgrade: a U-label domain goes as its A-label", flagged: true, subject: "plain", from: "alice@b\xc3\xbccher.example",
			rcpts: []string{"bob@b\xc3\xbccher.example"},
			mail:  "FROM:<alice@xn--bcher-kva.example> SIZE=|BODY=8BITMIME",
			sent:  []string{"bob@xn--bcher-kva.example"}, statuses: "bob@b\xc3\xbccher.example=delivered"},
		{name: "UTF-8 sender: nothing goes", flagged: true, subject: "plain", from: "j\xc3\xb6rg@origin.test",
			rcpts: []string{"bob@example.org"}, statuses: "bob@example.org=failed"},
		{name: "UTF-8 header: nothing goes", flagged: true, subject: "caf\xc3\xa9", from: "alice@origin.test",
			rcpts: []string{"bob@example.org"}, statuses: "bob@example.org=failed"},
		{name: "UTF-8 header after a long line: nothing goes", flagged: true, from: "alice@origin.test",
			subject: strings.Repeat("x", 5000) + "\r\nX-Note: caf\xc3\xa9",
			rcpts:   []string{"bob@example.org"}, statuses: "bob@example.org=failed"},
		{name: "a lone 0x80 byte in the header: nothing goes", flagged: true, subject: "price \x80 5", from: "alice@origin.test",
			rcpts: []string{"bob@example.org"}, statuses: "bob@example.org=failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ext := peerExt(tc.offer)
			if tc.noPipe {
				ext = ext[1:] // PIPELINING is first
			}
			p := startPeer(t, &peer{Ext: ext})
			f := newFixture(t, p, nil)
			id := f.putUTF8(tc.flagged, tc.subject, tc.from, tc.rcpts...)
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			ss := p.Sessions()
			if len(ss) != 1 {
				t.Fatalf("%d sessions, want 1", len(ss))
			}
			s := ss[0]
			start, end, _ := strings.Cut(tc.mail, "|")
			switch {
			case tc.mail == "" && s.MailArg != "":
				t.Errorf("MAIL %q sent, want none", s.MailArg)
			case tc.mail != "" && (!strings.HasPrefix(s.MailArg, start) || !strings.HasSuffix(s.MailArg, end)):
				t.Errorf("MAIL %q, want %q...%q", s.MailArg, start, end)
			}
			if !slices.Equal(s.Rcpts, tc.sent) {
				t.Errorf("RCPT %q, want %q\n%s", s.Rcpts, tc.sent, f.out.String())
			}
			folder := queue.Sent
			if strings.Contains(tc.statuses, "=failed") {
				folder = queue.Failed
			}
			env := f.env(folder, id)
			if got := statuses(env); got != tc.statuses {
				t.Errorf("statuses %s, want %s", got, tc.statuses)
			}
			for _, r := range env.Recipients {
				if r.Status == queue.StatusFailed && !strings.HasPrefix(r.Result, "553 5.6.7 127.0.0.1 does not offer SMTPUTF8") {
					t.Errorf("result of %s: %q", r.Addr, r.Result)
				}
			}
		})
	}
}

// TestSMTPUTF8Notice: the failure notice for a UTF-8 recipient that a
// server without SMTPUTF8 cannot take says 5.6.7, and goes back to a UTF-8
// sender flagged SMTPUTF8 itself, so that the MXA may carry it.
func TestSMTPUTF8Notice(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Ext: peerExt(false)})
	f := newFixture(t, p, nil)
	from := "j\xc3\xb6rg@origin.test"
	id := f.putUTF8(true, "plain", from, "\xc3\xbc@example.org")
	f.run(queue.External, id)
	if n := len(p.Sessions()[0].Rcpts); n != 0 {
		t.Fatalf("%d recipients sent, want none", n)
	}
	ids := f.list(queue.Incoming)
	if len(ids) != 1 || ids[0] != dsn.ID(id) {
		t.Fatalf("incoming %v, want [%s]", ids, dsn.ID(id))
	}
	env := f.env(queue.Incoming, ids[0])
	if env.From != "" || len(env.Recipients) != 1 || env.Recipients[0].Addr != from || !env.SMTPUTF8 {
		t.Errorf("notice envelope from %q to %+v, SMTPUTF8 %v", env.From, env.Recipients, env.SMTPUTF8)
	}
	msg, err := mail.ReadMessage(strings.NewReader(f.body(queue.Incoming, ids[0])))
	if err != nil {
		t.Fatal(err)
	}
	parts, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
	if len(parts) != 3 {
		t.Fatalf("parts %v", parts)
	}
	if !strings.Contains(bodies[0], "does not offer SMTPUTF8") {
		t.Errorf("text part:\n%s", bodies[0])
	}
	blocks := testutil.FieldBlocks(bodies[1])
	if len(blocks) != 2 {
		t.Fatalf("%d blocks, want 2:\n%s", len(blocks), bodies[1])
	}
	b := blocks[1]
	if got := b.Get("Final-Recipient"); got != `utf-8; \x{FC}@example.org` { // RFC 6533 §3
		t.Errorf("Final-Recipient %q", got)
	}
	if b.Get("Action") != "failed" || b.Get("Status") != "5.6.7" ||
		!strings.HasPrefix(b.Get("Diagnostic-Code"), "X-mailq; 553 5.6.7 127.0.0.1 does not offer SMTPUTF8 (RFC 6531) and the sender <") {
		t.Errorf("recipient block %v", b)
	}
}
