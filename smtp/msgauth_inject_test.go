package smtp

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/authres"

	"mailq/msgauth"
)

// TestMsgauthNoInjectedResult: a client from outside whose HELO word and
// MAIL FROM (a quoted local part, RFC 5321 §4.1.2) carry a backslash, a
// quote and a semicolon gets no result of its own into the
// Authentication-Results field the server puts on top: read back by a
// parser, that field holds our results only (the message has no
// signature: DKIM and DMARC none).
func TestMsgauthNoInjectedResult(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	ts, ln := startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, msgauth.Accept, msgauth.Accept)
	c, _ := remoteClient(t, ln, authClient)
	c.expect(`EHLO a.test\";dkim=pass;x=\"`, "250")
	c.expect(`MAIL FROM:<"x\";dkim=pass header.d=bank.test;x=\"y"@pass.test>`, "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.expect("DATA", "354 ")
	if r := c.cmd("Subject: hi\r\n\r\nbody\r\n."); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("DATA: %q", r)
	}
	msg, _ := ts.only(t)
	line, _, _ := strings.Cut(msg[strings.Index(msg, "Authentication-Results: "):], "\r\n")
	_, results, err := authres.Parse(strings.TrimPrefix(line, "Authentication-Results: "))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	for _, r := range results {
		switch r := r.(type) {
		case *authres.SPFResult:
		case *authres.DKIMResult:
			if r.Value != authres.ResultNone {
				t.Errorf("%q holds %#v", line, r)
			}
		case *authres.DMARCResult:
			if r.Value != authres.ResultNone {
				t.Errorf("%q holds %#v", line, r)
			}
		default:
			t.Errorf("%q holds %#v", line, r)
		}
	}
}
