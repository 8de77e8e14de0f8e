package smtp

import (
	"io"
	"sync"
	"time"

	"mailq/queue"
)

// draft is a message being written; *queue.Draft is one.
type draft interface {
	io.Writer
	ID() queue.ID
	Commit(env *queue.Envelope) error
	Abort() error
}

// spool is what the server needs of the queue: new drafts in the incoming
// folder and the figures for the capacity checks. treeSpool is the real
// one; tests use a failing fake.
type spool interface {
	newDraft() (draft, error)
	freeBytes() (uint64, error)
	count() (int, error)
}

type treeSpool struct{ t *queue.Tree }

func (s treeSpool) newDraft() (draft, error) {
	d, err := s.t.NewDraft(queue.Incoming)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return d, nil
}
func (s treeSpool) freeBytes() (uint64, error) { return s.t.FreeBytes(queue.Incoming) }
func (s treeSpool) count() (int, error)        { return s.t.Count(queue.Incoming) }

// capacityTTL is how long the free space and queue length are reused.
// Listing a queue of many thousand files for every MAIL would cost more than
// the message; a second of staleness costs nothing.
const capacityTTL = time.Second

// capacity refuses new mail before the disk fills up (DURABILITY rule 6) and
// while the incoming queue is over SMTPMaxQueued. It is shared by all
// sessions and safe for concurrent use.
type capacity struct {
	floor     uint64 // MinFreeDiskMB in bytes; 0 is no floor
	maxQueued int    // 0 is no cap

	mu         sync.Mutex
	at         time.Time // when vals were measured; zero: never
	refreshing bool
	vals       capValues
}

type capValues struct {
	free    uint64
	freeErr error
	count   int
	cntErr  error
}

func newCapacity(floorMB int64, maxQueued int) *capacity {
	c := &capacity{maxQueued: maxQueued}
	if floorMB > 0 {
		c.floor = uint64(floorMB) << 20
	}
	return c
}

// check returns nil when a message of up to need bytes may be accepted, or
// the 452 4.3.1 reply that refuses it. With a floor set, the space needed is
// the larger of the floor and 1.5 × need; without one, 1.5 × a declared
// SIZE only. Figures that cannot be read refuse nothing (the draft will
// fail, and say why); problem reports them for the log.
func (c *capacity) check(sp spool, now time.Time, need int64, declared bool) (refuse error, problem error) {
	if c.floor == 0 && c.maxQueued == 0 && !declared {
		return nil, nil
	}
	v := c.snapshot(sp, now)
	if c.maxQueued > 0 {
		if v.cntErr != nil {
			problem = v.cntErr
		} else if v.count >= c.maxQueued {
			return replyQueueFull, nil
		}
	}
	want := uint64(0)
	if need > 0 && (c.floor > 0 || declared) {
		want = uint64(need) + uint64(need)/2
	}
	want = max(want, c.floor)
	if want == 0 {
		return nil, problem
	}
	if v.freeErr != nil {
		return nil, v.freeErr
	}
	if v.free < want {
		return replyNoSpace, nil
	}
	return nil, problem
}

// snapshot returns figures at most capacityTTL old. One caller measures
// while the others go on with the previous figures.
func (c *capacity) snapshot(sp spool, now time.Time) capValues {
	c.mu.Lock()
	fresh := !c.at.IsZero() && now.Sub(c.at) < capacityTTL && now.Sub(c.at) >= 0
	if fresh || (c.refreshing && !c.at.IsZero()) {
		v := c.vals
		c.mu.Unlock()
		return v
	}
	c.refreshing = true
	c.mu.Unlock()

	var v capValues
	v.free, v.freeErr = sp.freeBytes()
	if c.maxQueued > 0 {
		v.count, v.cntErr = sp.count()
	}

	c.mu.Lock()
	c.vals, c.at, c.refreshing = v, now, false
	c.mu.Unlock()
	return v
}
