package mxa

import (
	"strings"
	"testing"

	"mailq/queue"
)

// TestCaptureAllow checks capture mode's last guard: a set with a recipient
// outside the allowed domains is put aside in bad/ before any connection,
// while an allowed one is delivered; without Allow (the control) both go.
func TestCaptureAllow(t *testing.T) {
	t.Parallel()
	allow := func(addr string) bool { return strings.HasSuffix(addr, "@released.test") }
	for _, tc := range []struct {
		name     string
		allow    func(string) bool
		rcpt     string
		sessions int
		bad      int
	}{
		{"released domain", allow, "dev@released.test", 1, 0},
		{"other domain", allow, "someone@example.org", 0, 1},
		{"not capturing", nil, "someone@example.org", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{})
			f := newFixture(t, p, func(o *Options) { o.Allow = tc.allow })
			id := f.put(queue.External, "app@origin.test", tc.rcpt)
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			if got := len(p.Sessions()); got != tc.sessions {
				t.Errorf("%d sessions with the gateway, want %d", got, tc.sessions)
			}
			if got := len(f.list(queue.Bad)); got != tc.bad {
				t.Errorf("%d sets in bad/, want %d", got, tc.bad)
			}
			if got := logged(f.out.String(), string(id), "moved to bad/: capture mode"); got != (tc.bad == 1) {
				t.Errorf("console says it was put aside: %v, want %v:\n%s", got, tc.bad == 1, f.out.String())
			}
		})
	}
}
