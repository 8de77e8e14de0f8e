package pop3

import (
	"testing"
	"time"

	"mailq/config"
)

// TestCaptureLogins checks capture mode's logins: any password reads the
// mailbox of the name given (a test logs in as the address it sent to),
// folded or shared as configured; CaptureAuth checks passwords again; and
// outside capture mode a wrong password still fails (the control).
func TestCaptureLogins(t *testing.T) {
	t.Parallel()
	on := config.Capture{On: true}
	for _, tc := range []struct {
		name     string
		capture  config.Capture
		user, pw string
		want     string
	}{
		{"any password", on, alice, "wrong", "+OK alice@test.example has 3 messages"},
		{"any name", on, "stranger@anywhere.example", "x", "+OK stranger@anywhere.example has 0 messages"},
		{"plus kept apart", on, "alice+tag@test.example", "x", "+OK alice+tag@test.example has 0 messages"},
		{"plus folded", config.Capture{On: true, PlusFold: true}, "alice+tag@test.example", "x", "+OK alice+tag@test.example has 3 messages"},
		{"one mailbox", config.Capture{On: true, Mailbox: alice}, "someone@else.example", "x", "+OK someone@else.example has 3 messages"},
		{"capture auth wrong", config.Capture{On: true, Auth: true}, alice, "wrong", "-ERR [AUTH]"},
		{"capture auth right", config.Capture{On: true, Auth: true}, alice, alicePW, "+OK alice@test.example has 3 messages"},
		{"not capturing", config.Capture{}, alice, "wrong", "-ERR [AUTH]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startServer(t, func(o *Options) { o.Capture, o.FailDelay = tc.capture, time.Millisecond })
			cl := dial(t, e.addr)
			cl.must("+OK", "USER %s", tc.user)
			cl.must(tc.want, "PASS %s", tc.pw)
		})
	}
}
