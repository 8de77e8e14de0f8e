package smtp

import (
	"strings"
	"testing"
)

// TestVrfyUnknownCounted: an unknown user asked with VRFY counts toward the
// session's unknown recipients for the Guard (directory harvest
// protection), in one count with RCPT's.
func TestVrfyUnknownCounted(t *testing.T) {
	t.Parallel()
	g := &recordGuard{}
	ts := startServer(t, func(o *Options) {
		o.Guard = g
		o.SMTP.VRFY = true
		o.RefileUnknown = false
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("VRFY nobody@test.example", "550 ")
	c.expect("VRFY <ghost@test.example>", "550 ")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<phantom@test.example>", "550 5.1.1 ")
	got := g.log()
	for _, want := range []string{"unknown nobody@test.example 1;", "unknown ghost@test.example 2;", "unknown phantom@test.example 3;"} {
		if !strings.Contains(got, want) {
			t.Fatalf("guard calls %q: no %q", got, want)
		}
	}
}
