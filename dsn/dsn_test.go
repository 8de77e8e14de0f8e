package dsn

import (
	"strings"
	"testing"
	"time"

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
