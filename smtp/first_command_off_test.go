package smtp

import (
	"strings"
	"testing"
)

// TestFirstCommandTimeoutOff: a FirstCommandTimeout of 0 sets no limit on
// the first command (only Timeout applies), rather than one that has
// passed already when the session starts.
func TestFirstCommandTimeoutOff(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.FirstCommandTimeout = 0 })
	c, greeting := dial(t, ts.addr)
	if !strings.HasPrefix(greeting, "220 ") {
		t.Fatalf("greeting %q", greeting)
	}
	c.expect("EHLO client.example", "250-")
	c.expect("QUIT", "221 ")
}
