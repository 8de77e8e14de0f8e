package mxa

import (
	"container/heap"
	"time"

	"mailq/queue"
)

// item is one set the agent tracks.
type item struct {
	folder queue.Folder
	id     queue.ID
	due    time.Time
	pos    int // index in the heap; -1 when not in it
}

type key struct {
	folder queue.Folder
	id     queue.ID
}

// sched decides which set runs next. Sets of the external queue run in the
// order found; sets of the retry queue wait in a heap of due times, so the
// agent sleeps until the earliest instead of polling. Only the scheduler's
// goroutine (Run) uses it.
//
// A retry copy <id>-<n> never runs while an external set of the same base
// id is known: after a crash, the external set may be the one that wrote the
// copy without marking it yet, and must see it first (job.handedOver).
type sched struct {
	known  map[key]*item
	ready  []*item // sets to do now: external ones in the order found, and those back from waiting
	due    dueHeap
	ext    map[queue.ID]int     // base id → external sets known
	parked map[queue.ID][]*item // due retry sets waiting for their base
	turn   bool                 // alternate between ready and due sets
	// waiting holds the sets that found their destination full, by its
	// key, until a delivery there ends (destLimit).
	waiting map[string][]*item
}

func newSched() *sched {
	return &sched{known: map[key]*item{}, ext: map[queue.ID]int{}, parked: map[queue.ID][]*item{},
		waiting: map[string][]*item{}}
}

// addExternal adds an external set found by a scan, unless known already.
func (s *sched) addExternal(id queue.ID) {
	k := key{queue.External, id}
	if s.known[k] != nil {
		return
	}
	it := &item{folder: queue.External, id: id, pos: -1}
	s.known[k] = it
	s.ext[id.Base()]++
	s.ready = append(s.ready, it)
}

// add puts a set into the heap, unless known already.
func (s *sched) add(it *item) {
	k := key{it.folder, it.id}
	if s.known[k] != nil {
		return
	}
	s.known[k] = it
	if it.folder == queue.External {
		s.ext[it.id.Base()]++
	}
	heap.Push(&s.due, it)
}

// next returns the set to run now, or nil. Ready and due sets take turns,
// so neither a flood of new mail nor a backlog of retries starves the other.
func (s *sched) next(now time.Time) *item {
	for {
		dueNow := len(s.due) > 0 && !s.due[0].due.After(now)
		switch {
		case len(s.ready) > 0 && (s.turn || !dueNow):
			it := s.ready[0]
			s.ready[0] = nil
			s.ready = s.ready[1:]
			s.turn = false
			return it
		case dueNow:
			it := heap.Pop(&s.due).(*item)
			if it.folder == queue.Retry && s.ext[it.id.Base()] > 0 {
				s.parked[it.id.Base()] = append(s.parked[it.id.Base()], it)
				continue
			}
			s.turn = true
			return it
		}
		return nil
	}
}

// nextDue returns the earliest due time in the heap.
func (s *sched) nextDue() (time.Time, bool) {
	if len(s.due) == 0 {
		return time.Time{}, false
	}
	return s.due[0].due, true
}

// done takes back a set that ran. With backoff > 0 it failed and waits that
// long; else it is forgotten, and the sets the job left in retry/ are added.
func (s *sched) done(it *item, retry []*item, backoff time.Duration, now time.Time) {
	if backoff > 0 {
		it.due = now.Add(backoff)
		heap.Push(&s.due, it)
	} else {
		s.forget(it)
	}
	for _, r := range retry {
		s.add(r)
	}
}

// park takes back a set that found destination dest full: it stays known,
// neither due nor forgotten, until unpark finds room there. The sets its
// job left in retry/ are added.
func (s *sched) park(it *item, dest string, retry []*item) {
	s.waiting[dest] = append(s.waiting[dest], it)
	for _, r := range retry {
		s.add(r)
	}
}

// unpark makes ready, oldest first, as many waiting sets of each
// destination as free says it has room for. Run calls it after every job,
// and slots are only released by jobs, so a set parked while its
// destination had room again is made ready at once, and any other one when
// the next delivery there ends.
func (s *sched) unpark(free func(dest string) int) {
	for dest, its := range s.waiting {
		n := min(free(dest), len(its))
		if n <= 0 {
			continue
		}
		s.ready = append(s.ready, its[:n]...)
		if n == len(its) {
			delete(s.waiting, dest)
		} else {
			s.waiting[dest] = its[n:]
		}
	}
}

func (s *sched) forget(it *item) {
	delete(s.known, key{it.folder, it.id})
	if it.folder != queue.External {
		return
	}
	base := it.id.Base()
	if s.ext[base]--; s.ext[base] > 0 {
		return
	}
	delete(s.ext, base)
	for _, p := range s.parked[base] {
		heap.Push(&s.due, p)
	}
	delete(s.parked, base)
}

// Len returns how many sets are tracked.
func (s *sched) Len() int { return len(s.known) }

// dueHeap orders items by due time (container/heap).
type dueHeap []*item

func (h dueHeap) Len() int { return len(h) }
func (h dueHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].id < h[j].id
	}
	return h[i].due.Before(h[j].due)
}
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *dueHeap) Push(x any) {
	it := x.(*item)
	it.pos = len(*h)
	*h = append(*h, it)
}
func (h *dueHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	it.pos = -1
	*h = old[:len(old)-1]
	return it
}
