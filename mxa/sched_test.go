package mxa

import (
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
