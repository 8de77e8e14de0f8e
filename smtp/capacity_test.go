package smtp

import (
	"errors"
	"testing"
	"time"
)

// figureSpool is a spool that only reports figures, and counts how often
// they were read.
type figureSpool struct {
	free   uint64
	queue  int
	reads  int
	counts int
}

func (f *figureSpool) newDraft() (draft, error)   { return nil, errors.New("figures only") }
func (f *figureSpool) freeBytes() (uint64, error) { f.reads++; return f.free, nil }
func (f *figureSpool) count() (int, error)        { f.counts++; return f.queue, nil }

// TestCapacityBounds: the space check accepts a message when the free space
// is exactly what is wanted (the larger of the floor and 1.5 × the size)
// and refuses it one byte below.
func TestCapacityBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		floorMB  int64
		free     uint64
		need     int64
		declared bool
		maxQ     int
		want     error
	}{
		{"SIZE, exactly 1.5 x", 0, 900, 600, true, 0, nil},
		{"SIZE, one byte short", 0, 899, 600, true, 0, replyNoSpace},
		{"floor, exactly", 1, 1 << 20, 0, false, 0, nil},
		{"floor, one byte short", 1, 1<<20 - 1, 0, false, 0, replyNoSpace},
		{"floor below 1.5 x the size, exactly", 1, 3 << 20, 2 << 20, false, 0, nil},
		{"floor below 1.5 x the size, short", 1, 3<<20 - 1, 2 << 20, false, 0, replyNoSpace},
		// Only the queue cap is on: an undeclared size asks for no space.
		{"no floor, no SIZE", 0, 100, 600, false, 10, nil},
	}
	now := time.Now()
	for _, tc := range cases {
		c := newCapacity(tc.floorMB, tc.maxQ)
		refuse, problem := c.check(&figureSpool{free: tc.free}, now, tc.need, tc.declared)
		if capErrText(refuse) != capErrText(tc.want) || problem != nil {
			t.Errorf("%s: check = %v, %v; want %v, nil", tc.name, refuse, problem, tc.want)
		}
	}
}

// TestCapacityCountsOnlyWithACap: without SMTPMaxQueued the incoming queue
// is never counted (a listing of the whole folder, for a figure nobody
// reads); with it, once per fresh snapshot.
func TestCapacityCountsOnlyWithACap(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, maxQ := range []int{0, 5} {
		sp := &figureSpool{free: 1 << 30}
		c := newCapacity(1, maxQ)
		if refuse, problem := c.check(sp, now, 100, true); refuse != nil || problem != nil {
			t.Fatalf("maxQueued %d: check = %v, %v", maxQ, refuse, problem)
		}
		if want := min(maxQ, 1); sp.counts != want {
			t.Errorf("maxQueued %d: the queue was counted %d times, want %d", maxQ, sp.counts, want)
		}
	}
}

// capErrText is an error's text, "" for none.
func capErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestCapacityFiguresReused: the figures are measured again once they are
// capacityTTL old, and when the clock went back; younger ones, measured at
// this very instant included, are reused.
func TestCapacityFiguresReused(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name  string
		at    time.Time
		reads int // after the first check at t0 and this one
	}{
		{"same instant", t0, 1},
		{"just under the TTL", t0.Add(capacityTTL - time.Nanosecond), 1},
		{"the TTL", t0.Add(capacityTTL), 2},
		{"clock went back", t0.Add(-time.Nanosecond), 2},
	}
	for _, tc := range cases {
		sp := &figureSpool{free: 1 << 30}
		c := newCapacity(1, 0)
		c.check(sp, t0, 0, false)
		c.check(sp, tc.at, 0, false)
		if sp.reads != tc.reads {
			t.Errorf("%s: the free space was read %d times, want %d", tc.name, sp.reads, tc.reads)
		}
	}
}
