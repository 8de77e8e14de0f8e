package msgauth

import (
	"strings"
	"testing"
)

// TestRewriteQuotedAuthservID: an authserv-id is a value, a token or a
// quoted-string (RFC 8601 §2.2, RFC 2045 §5.1), so an outside field that
// names our host in quotes, with or without quoted-pairs, claims to be ours
// and is removed (§5) like the plain spelling; other quoted ids stay.
func TestRewriteQuotedAuthservID(t *testing.T) {
	t.Parallel()
	c := New(Options{Host: "mx.test"})
	in := "Authentication-Results: \"mx.test\"; dkim=pass\r\n" +
		"Authentication-Results: \"M\\x.T\\est\" 1; spf=pass\r\n" +
		"Authentication-Results: (c) \"mx.test\" (c); dmarc=pass\r\n" +
		"Authentication-Results: \"other.test\"; spf=fail\r\n" +
		"Authentication-Results: \"mx.test; spf=fail\r\n\r\nbody\r\n"
	got := string(c.Rewrite([]byte(in), Results{SPF: SPFOutcome{Result: "none"}}, false))
	want := "Authentication-Results: mx.test; spf=none\r\n" +
		"Authentication-Results: \"other.test\"; spf=fail\r\n" +
		"Authentication-Results: \"mx.test; spf=fail\r\n\r\nbody\r\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", strings.ReplaceAll(got, "\r", ""), strings.ReplaceAll(want, "\r", ""))
	}
}
