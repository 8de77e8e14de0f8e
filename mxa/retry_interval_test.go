package mxa

import (
	"fmt"
	"testing"
	"time"

	"mailq/queue"
)

// TestRetryIntervalDefault: a deferred recipient is due again after
// RetryInterval and up to a tenth more; an interval of 0 or less means a
// minute, not an immediate retry.
func TestRetryIntervalDefault(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct{ set, want time.Duration }{
		{0, time.Minute}, {-time.Hour, time.Minute}, {10 * time.Minute, 10 * time.Minute},
	} {
		t.Run(fmt.Sprint(c.set), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return "451 4.7.1 greylisted" }})
			f := newFixture(t, p, func(o *Options) { o.MXA.RetryInterval = c.set })
			f.a.now = func() time.Time { return t0 }
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			next := f.env(queue.Retry, id.Derive(1)).Recipients[0].Next
			if d := next.Sub(t0); d < c.want || d > c.want+c.want/10 {
				t.Errorf("due %v after the attempt, want %v to %v", d, c.want, c.want+c.want/10)
			}
		})
	}
}

// TestNextTryJitter: the next try is RetryInterval from now plus up to a
// tenth more, also for an interval too short to have a tenth.
func TestNextTryJitter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, iv := range []time.Duration{5 * time.Nanosecond, 10 * time.Minute} {
		f := newFixture(t, nil, func(o *Options) { o.MXA.RetryInterval = iv })
		j := &job{a: f.a, now: now}
		for range 20 {
			if d := j.nextTry().Sub(now); d < iv || d > iv+iv/10 {
				t.Fatalf("interval %s: next try after %s", iv, d)
			}
		}
	}
}
