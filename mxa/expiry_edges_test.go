package mxa

import (
	"fmt"
	"testing"
	"time"

	"mailq/queue"
)

// TestExpiryEdges: a recipient deferred again is given up once
// MessageExpiry has passed since the message was received, from that very
// instant on; a nanosecond before, it waits for another attempt; and an
// expiry of 0 never gives up.
func TestExpiryEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expiry time.Duration
		after  time.Duration // since the receive time
		failed bool
	}{
		{24 * time.Hour, 24 * time.Hour, true},
		{24 * time.Hour, 24*time.Hour - time.Nanosecond, false},
		{0, 1000 * time.Hour, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.expiry, c.after), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
			f := newFixture(t, p, func(o *Options) { o.MXA.Expiry = c.expiry })
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			received := f.env(queue.External, id).Received
			if received.IsZero() {
				t.Fatal("the set has no receive time")
			}
			f.a.now = func() time.Time { return received.Add(c.after) }
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			failed, retry := len(f.list(queue.Failed)), len(f.list(queue.Retry))
			if c.failed && (failed != 1 || retry != 0) {
				t.Errorf("%d failed, %d to retry; want it given up", failed, retry)
			}
			if !c.failed && (failed != 0 || retry != 1) {
				t.Errorf("%d failed, %d to retry; want another attempt", failed, retry)
			}
		})
	}
}
