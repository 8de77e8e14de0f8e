package queue

import (
	"errors"
	"sync"
)

// folderSync shares folder syncs between the goroutines that need the same
// folder synced at the same time (group commit). A folder sync makes
// durable every name change made in the folder before the sync started, so
// a caller whose rename is done needs one sync that starts after it
// arrived, not one of its own: while one sync runs, every caller that
// arrives waits, and the next sync, started once the running one ends,
// serves all of them. With one session nothing changes (each caller runs
// its own sync); with twenty committing at once, the folder is synced a
// few times instead of twenty, and each caller still returns only after a
// sync that began after its rename (DURABILITY rule 1).
type folderSync struct {
	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // syncs started
	finished uint64 // syncs finished (the one numbered finished is the last)
	// failed is the number of the last sync that failed, and its error. A
	// caller fails if a sync numbered at or after its own failed: a failed
	// sync is final (DURABILITY rule 5), so a later success does not
	// count for it.
	failed  uint64
	failErr error
	waiting int // callers waiting (for tests)
}

// syncFolder runs do (the sync of one folder) on behalf of the caller and
// every caller waiting with it, and returns the result of the first sync
// that started after the caller arrived.
func (g *folderSync) syncFolder(do func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	want := g.started + 1 // the next sync to start covers this caller
	for g.finished < want {
		if g.running {
			g.waiting++
			g.cond.Wait()
			g.waiting--
			continue
		}
		g.running = true
		g.started++
		g.run(g.started, do)
	}
	if g.failed >= want {
		return g.failErr
	}
	return nil
}

// run runs sync number n without the lock and records its result. A sync
// that does not return (a panic, or a test's hook ending its goroutine)
// still ends: it counts as failed, so its waiters neither hang nor
// succeed.
func (g *folderSync) run(n uint64, do func() error) {
	err := errSyncAbandoned
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.running, g.finished = false, n
		if err != nil {
			g.failed, g.failErr = n, err
		}
		g.cond.Broadcast()
	}()
	err = do()
}

var errSyncAbandoned = errors.New("folder sync abandoned")

// folderSyncs holds one folderSync per folder path.
type folderSyncs struct{ m sync.Map }

func (s *folderSyncs) get(dir string) *folderSync {
	if g, ok := s.m.Load(dir); ok {
		return g.(*folderSync)
	}
	g, _ := s.m.LoadOrStore(dir, &folderSync{})
	return g.(*folderSync)
}
