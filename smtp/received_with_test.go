package smtp

import (
	"strings"
	"testing"
)

// TestReceivedWith: the Received field's "with" names the protocol as
// RFC 3848 (and RFC 6531 §4.3 under SMTPUTF8) has it: ESMTP after EHLO,
// SMTP after HELO, an A when the client authenticated, UTF8 for a
// SMTPUTF8 transaction.
func TestReceivedWith(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, hello string
		auth, utf8  bool
		want        string
	}{
		{"helo", "HELO", false, false, "SMTP"},
		{"ehlo", "EHLO", false, false, "ESMTP"},
		{"ehlo auth", "EHLO", true, false, "ESMTPA"},
		{"utf8", "EHLO", false, true, "UTF8SMTP"},
		{"utf8 auth", "EHLO", true, true, "UTF8SMTPA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t)
			c, _ := dial(t, ts.addr)
			c.expect(tc.hello+" client.example", "250")
			if tc.auth {
				c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
			}
			mail := "MAIL FROM:<a@elsewhere.example>"
			if tc.utf8 {
				mail += " SMTPUTF8"
			}
			c.expect(mail, "250 ")
			c.expect("RCPT TO:<"+adminUser+">", "250 ")
			c.expect("DATA", "354 ")
			c.write("Subject: with\r\n\r\nbody\r\n.\r\n")
			if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
				t.Fatalf("final dot answered %q", r)
			}
			stored, _ := ts.only(t)
			if !strings.Contains(stored, " with "+tc.want+" id ") {
				t.Fatalf("want \"with %s\" in:\n%s", tc.want, stored)
			}
		})
	}
}
