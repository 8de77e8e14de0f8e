package smtp

import (
	"strings"
	"testing"
)

// TestBdatBareLFHeaderEnd: BDAT's octets are stored as sent (RFC 3030 §2),
// so a header ended by a bare-LF empty line ends there: the empty line is
// replaced by the stored header's own, and the body is kept whole, from
// its first octet. (The empty line was once taken to be two octets long,
// and the body's first octet was lost.)
func TestBdatBareLFHeaderEnd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, msg, body string }{
		{"bare LF", "Subject: lf\n\nbody\nline two\n", "body\nline two\n"},
		{"CRLF", "Subject: crlf\r\n\r\nbody\r\n", "body\r\n"},
		{"bare LF after CRLF", "Subject: mixed\r\n\nxbody\r\n", "xbody\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t)
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250-")
			c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
			c.expect("RCPT TO:<"+adminUser+">", "250 ")
			c.write("BDAT " + itoa(len(tc.msg)) + " LAST\r\n" + tc.msg)
			if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
				t.Fatalf("LAST answered %q", r)
			}
			stored, _ := ts.only(t)
			if want := "\r\n\r\n" + tc.body; !strings.HasSuffix(stored, want) {
				t.Fatalf("stored message ends %q, want %q", stored[max(0, len(stored)-40):], want)
			}
		})
	}
}
