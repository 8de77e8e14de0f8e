package mda

import (
	"strings"
	"testing"
	"time"
)

// TestFailedRecipientReasons: a recipient given up is logged with its own
// reason: an unknown user with RefileUnknownUsers off, or an address that
// cannot name a mailbox. Its failure notice does not keep the external
// recipients of the same set from waking the MXA.
func TestFailedRecipientReasons(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		failed string
		reason string
	}{
		{"unknown user", "nobody@test.example", "no such user (RefileUnknownUsers=False)"},
		{"not an address", "not an address", "not an address that can name a mailbox"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			wake := make(chan struct{}, 1)
			r := tb.run(func(o *Options) {
				o.Wake, o.Nice = wake, time.Hour
				o.MDA.RefileUnknownUsers, o.FailureBounce = false, true
			})
			wait(t, r.scans, "the first scan")
			id := tb.commit("sender@far.example", []string{c.failed, "x@far.example"}, testMessage)
			wake <- struct{}{}
			if got := wait(t, r.filed, "the set to be filed"); got != id {
				t.Fatalf("filed %s, want %s", got, id)
			}
			if log := tb.console.String(); !strings.Contains(log, c.reason) {
				t.Errorf("the log does not give the reason %q:\n%s", c.reason, log)
			}
			if n := r.queued.Load(); n != 1 {
				t.Errorf("the MXA was woken %d times, want 1", n)
			}
		})
	}
}
