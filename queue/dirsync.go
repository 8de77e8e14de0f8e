package queue

import "sync"

// Concurrent commits into one folder each need a folder sync that starts
// after their rename (DURABILITY rule 1). One sync covers every rename done
// before it starts, so callers that arrive while a sync runs wait for the
// next one, which a single caller runs for all of them: under load a folder
// is synced once per batch of commits instead of once per commit.

// dirSyncer coalesces the syncs of one folder.
type dirSyncer struct {
	mu       sync.Mutex
	cond     *sync.Cond
	running  bool
	started  uint64 // syncs started
	finished uint64 // syncs finished
	err      error  // the result of the last finished sync
	do       func(dir string) error
}

var dirSyncers sync.Map // folder path → *dirSyncer

// syncDir makes every name created or removed in dir before the call
// durable (fsyncDir), sharing the sync with concurrent callers.
func syncDir(dir string) error {
	v, ok := dirSyncers.Load(dir)
	if !ok {
		v, _ = dirSyncers.LoadOrStore(dir, newDirSyncer(fsyncDir))
	}
	return v.(*dirSyncer).sync(dir)
}

func newDirSyncer(do func(string) error) *dirSyncer {
	s := &dirSyncer{do: do}
	s.cond = sync.NewCond(&s.mu)
	return s
}

func (s *dirSyncer) sync(dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A sync running now may have started before our rename: we need the
	// next one to start, whose number is started+1 either way.
	need := s.started + 1
	for s.finished < need {
		if s.running {
			s.cond.Wait()
			continue
		}
		s.running = true
		s.started++
		s.mu.Unlock()
		err := s.do(dir)
		s.mu.Lock()
		s.running = false
		s.finished, s.err = s.started, err
		s.cond.Broadcast()
	}
	// Any sync finished since started after our call: its result is ours.
	return s.err
}
