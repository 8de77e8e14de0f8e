package smtp

import (
	"encoding/base64"
	"testing"
)

// TestAuthCRAMMD5Form: a CRAM-MD5 response must be "name digest" (RFC 2195
// §2) with a name; one without a space, or with an empty name before it,
// is refused as malformed, which the log says, without asking the accounts.
func TestAuthCRAMMD5Form(t *testing.T) {
	t.Parallel()
	for _, resp := range []string{" 0123456789abcdef0123456789abcdef", "nospace"} {
		ts := startServer(t)
		c, _ := dial(t, ts.addr)
		c.expect("EHLO client.example", "250-")
		c.expect("AUTH CRAM-MD5", "334 ")
		c.expect(base64.StdEncoding.EncodeToString([]byte(resp)), "535 5.7.8 ")
		c.expect("QUIT", "221 ")
		ts.waitLog(t, "malformed response")
	}
}
