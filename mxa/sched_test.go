package mxa

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"mailq/queue"
)

func TestSched(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := newSched()
	const x, y = queue.ID("2025010112000011111111"), queue.ID("2025010112000022222222")
	s.add(&item{folder: queue.Retry, id: x.Derive(2), due: now.Add(-time.Minute)}) // due, but x is in external
	s.add(&item{folder: queue.Retry, id: y.Derive(1), due: now.Add(-time.Second)})
	s.add(&item{folder: queue.Retry, id: y.Derive(3), due: now.Add(time.Hour)})
	s.addExternal(x)
	s.addExternal(y.Derive(5))
	s.addExternal(x) // known: ignored

	var order []queue.ID
	for it := s.next(now); it != nil; it = s.next(now) {
		order = append(order, it.id)
	}
	// Retry copies wait while an external set of their message is known:
	// x-2 for x, y-1 for y-5.
	want := []queue.ID{x, y.Derive(5)}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if at, ok := s.nextDue(); !ok || !at.Equal(now.Add(time.Hour)) {
		t.Errorf("next due %v %v", at, ok)
	}
	// x finishes: its copy runs.
	s.done(&item{folder: queue.External, id: x}, nil, 0, now)
	if it := s.next(now); it == nil || it.id != x.Derive(2) {
		t.Fatalf("after x: %v", it)
	}
	// A failed job waits for its backoff; a deferred set comes back.
	s.done(&item{folder: queue.Retry, id: x.Derive(2)}, []*item{{folder: queue.Retry, id: x.Derive(2), due: now.Add(time.Minute)}}, 0, now)
	s.done(&item{folder: queue.External, id: y.Derive(5)}, nil, 30*time.Second, now)
	if it := s.next(now); it != nil {
		t.Fatalf("nothing is due, got %v", it.id)
	}
	if at, _ := s.nextDue(); !at.Equal(now.Add(30 * time.Second)) {
		t.Errorf("next due %v", at)
	}
	if it := s.next(now.Add(2 * time.Minute)); it == nil || it.id != y.Derive(5) {
		t.Errorf("backoff over: %v", it)
	}
	if s.Len() != 4 {
		t.Errorf("%d known", s.Len())
	}
}

// TestSchedNoStarvation has new mail and due retries waiting at the same
// time, with more new mail arriving after every pick (a flood), and then a
// backlog of due retries when one new set arrives. Neither kind may starve
// the other: with both waiting, the picks alternate, so each waiting set
// runs within twice the number of sets of its own kind ahead of it.
func TestSchedNoStarvation(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	newID := func(n int) queue.ID { return queue.ID(fmt.Sprintf("20250101120000%08d", n)) }
	t.Run("flood of new mail", func(t *testing.T) {
		t.Parallel()
		s := newSched()
		const retries = 3
		for n := range retries {
			s.add(&item{folder: queue.Retry, id: newID(900 + n).Derive(1), due: now.Add(-time.Duration(n+1) * time.Minute)})
		}
		for n := range 10 {
			s.addExternal(newID(n))
		}
		var kinds []queue.Folder
		for n := 10; n < 10+2*retries; n++ {
			it := s.next(now)
			if it == nil {
				t.Fatalf("pick %d: nothing to run", len(kinds)+1)
			}
			kinds = append(kinds, it.folder)
			s.done(it, nil, 0, now)
			s.addExternal(newID(n)) // new mail keeps coming
		}
		ran := 0
		for _, k := range kinds {
			if k == queue.Retry {
				ran++
			}
		}
		if ran != retries {
			t.Errorf("picks %v: %d of %d due retries ran within %d picks while new mail kept coming",
				kinds, ran, retries, 2*retries)
		}
	})
	t.Run("backlog of retries", func(t *testing.T) {
		t.Parallel()
		s := newSched()
		for n := range 50 {
			s.add(&item{folder: queue.Retry, id: newID(500 + n).Derive(1), due: now.Add(-time.Hour)})
		}
		it := s.next(now) // a retry: nothing else is waiting
		if it == nil || it.folder != queue.Retry {
			t.Fatalf("first pick %v; want a retry", it)
		}
		s.done(it, nil, 0, now)
		s.addExternal(newID(1))
		var picks []queue.ID
		for range 2 {
			it := s.next(now)
			if it == nil {
				t.Fatal("nothing to run")
			}
			picks = append(picks, it.id)
			s.done(it, nil, 0, now)
		}
		if !slices.Contains(picks, newID(1)) {
			t.Errorf("picks %v: the new set %s waits behind the retry backlog", picks, newID(1))
		}
	})
}
