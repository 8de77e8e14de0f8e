package policy

import (
	"net/netip"
	"testing"
	"time"
)

// TestHarvestCountsAcrossSessionsForAnHour: the count per address does not
// reset with a session, lasts an hour, counts an IPv6 /64 as one address,
// and leaves loopback alone unless LimitLocal.
func TestHarvestCountsAcrossSessionsForAnHour(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := NewHarvest(LimitOptions{})
	a := netip.MustParseAddr("203.0.113.9")
	for i := 1; i <= 5; i++ {
		if got := h.Add(a, t0.Add(time.Duration(i)*time.Minute)); got != i {
			t.Fatalf("add %d: count %d", i, got)
		}
	}
	if got := h.Add(netip.MustParseAddr("203.0.113.10"), t0); got != 1 {
		t.Errorf("another address: %d, want 1", got)
	}
	if got := h.Add(a, t0.Add(61*time.Minute)); got != 5 {
		t.Errorf("an hour after the first: %d, want 5 (the first has expired)", got)
	}
	if got := h.Add(a, t0.Add(3*time.Hour)); got != 1 {
		t.Errorf("hours later: %d, want 1", got)
	}
	v6a, v6b := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2::ffff")
	h.Add(v6a, t0)
	if got := h.Add(v6b, t0); got != 2 {
		t.Errorf("same /64: %d, want 2", got)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	if got := h.Add(lo, t0); got != 0 {
		t.Errorf("loopback counted: %d", got)
	}
	if got := NewHarvest(LimitOptions{LimitLocal: true}).Add(lo, t0); got != 1 {
		t.Errorf("loopback with LimitLocal: %d, want 1", got)
	}
}
