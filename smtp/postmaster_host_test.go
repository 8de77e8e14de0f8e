package smtp

import (
	"testing"

	"mailq/route"
)

// TestPostmasterNoDomains: with no local domains, the domainless
// "<Postmaster>" (RFC 5321 §4.1.1.3) is postmaster at the host name (not a
// local domain then, so an authenticated client's, relayed).
func TestPostmasterNoDomains(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) {
		o.Domains = nil
		o.Routes = route.New(nil, nil, sharedAccounts.Exists)
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ") // mx.test is no local domain: relayed
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	if r := c.cmd("RCPT TO:<Postmaster>"); r != "250 2.1.5 <postmaster@mx.test> Recipient OK" {
		t.Fatalf("RCPT TO:<Postmaster> answered %q", r)
	}
}
