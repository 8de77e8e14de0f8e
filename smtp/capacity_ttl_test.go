package smtp

import (
	"sync"
	"testing"
	"time"
)

// TestCapacityTTLEdges: the queue's figures are reused for MAIL at the very
// moment they were taken and up to capacityTTL after, and taken again at
// capacityTTL exactly (the server's clock is the test's).
func TestCapacityTTLEdges(t *testing.T) {
	t.Parallel()
	t0 := time.Now() // the session's deadlines are set from this clock too
	var mu sync.Mutex
	now := t0
	setNow := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	f := &fakeSpool{queued: 4}
	setQueued := func(n int) { f.mu.Lock(); f.queued = n; f.mu.Unlock() }
	ts := startServerWith(t, func(s *Server) {
		useSpool(f)(s)
		s.cap = newCapacity(0, 5)
		s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@b.example>", "250 ") // counted at t0: 4 of 5
	c.expect("RSET", "250 ")
	setQueued(5)
	c.expect("MAIL FROM:<a@b.example>", "250 ") // the same moment: the count of t0
	c.expect("RSET", "250 ")
	setNow(t0.Add(capacityTTL - time.Nanosecond))
	c.expect("MAIL FROM:<a@b.example>", "250 ") // still the count of t0
	c.expect("RSET", "250 ")
	setNow(t0.Add(capacityTTL))
	c.expect("MAIL FROM:<a@b.example>", "452 4.3.1 Queue full") // counted again
}
