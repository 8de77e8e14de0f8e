package queue

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDirSyncerCoversEveryCaller: each caller returns only after a sync
// that started after it was called has finished, and concurrent callers
// share syncs.
func TestDirSyncerCoversEveryCaller(t *testing.T) {
	var started, finished atomic.Int64
	var fail atomic.Bool
	s := newDirSyncer(func(string) error {
		started.Add(1)
		time.Sleep(2 * time.Millisecond)
		finished.Add(1)
		if fail.Load() {
			return errors.New("disk gone")
		}
		return nil
	})
	const callers = 200
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atEntry := started.Load()
			if err := s.sync("d"); err != nil {
				t.Error(err)
			}
			if got := finished.Load(); got < atEntry+1 {
				t.Errorf("returned after %d finished syncs; one starting after the call (number %d) was needed", got, atEntry+1)
			}
		}()
	}
	wg.Wait()
	if n := started.Load(); n >= callers {
		t.Errorf("%d syncs for %d concurrent callers: none shared", n, callers)
	}
	// A failed sync fails every caller it covered.
	fail.Store(true)
	if err := s.sync("d"); err == nil {
		t.Fatal("a failed sync was reported as success")
	}
}
