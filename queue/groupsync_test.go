package queue

import (
	"errors"
	"sync"
	"testing"

	"mailq/internal/testutil"
)

// groupCommits commits n+1 drafts into the incoming queue at once while
// the first folder sync is held: the first commit runs that sync, the
// other n arrive while it runs. fail, if set, is what the second sync
// (the one they share) returns. It returns the folder syncs of the queue folder run and each
// commit's error.
func groupCommits(t *testing.T, n int, fail error) (int, []error) {
	tr := newTree(t)
	dir, _ := tr.dir(Incoming)
	release := make(chan struct{})
	var mu sync.Mutex
	syncs := 0
	tr.syncHook = func(kind, path string, do func() error) error {
		if kind != syncKindFolder || path != dir {
			return do()
		}
		mu.Lock()
		syncs++
		k := syncs
		mu.Unlock()
		if k == 1 {
			<-release
		}
		if k == 2 && fail != nil {
			return fail
		}
		return do()
	}
	errs := make([]error, n+1)
	var wg sync.WaitGroup
	commit := func(i int) {
		defer wg.Done()
		d, err := tr.NewDraft(Incoming)
		if err == nil {
			_, err = d.Write([]byte("Subject: group\r\n\r\nbody\r\n"))
		}
		if err == nil {
			err = d.Commit(testEnvelope())
		}
		errs[i] = err
	}
	wg.Add(1)
	go commit(0)
	held := func() bool { mu.Lock(); defer mu.Unlock(); return syncs == 1 }
	testutil.Eventually(t, "the first commit's folder sync running", held)
	g := tr.folders.get(dir)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go commit(i)
	}
	testutil.Eventually(t, "every other commit waiting for the folder sync", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.waiting == n
	})
	close(release)
	wg.Wait()
	return syncs, errs
}

// TestGroupCommitSharesFolderSync: ten commits that arrive while the queue
// folder is being synced share one later sync (which starts after their
// renames, so it covers them), instead of running ten.
func TestGroupCommitSharesFolderSync(t *testing.T) {
	syncs, errs := groupCommits(t, 10, nil)
	for i, err := range errs {
		if err != nil {
			t.Errorf("commit %d: %v", i, err)
		}
	}
	if syncs != 2 {
		t.Errorf("%d folder syncs for 11 commits arriving together, want 2 (the running one and one shared)", syncs)
	}
}

// TestGroupCommitFailureIsFinal: when the sync a commit waited for fails,
// the commit fails too (DURABILITY rule 5) and takes its set back, and a
// later sync's success does not count for it; a commit whose own sync
// succeeded is not failed by another's.
func TestGroupCommitFailureIsFinal(t *testing.T) {
	boom := errors.New("sync failed")
	syncs, errs := groupCommits(t, 5, boom)
	if errs[0] != nil {
		t.Errorf("the commit whose sync succeeded: %v", errs[0])
	}
	for i, err := range errs[1:] {
		if !errors.Is(err, boom) {
			t.Errorf("commit %d after its shared sync failed: %v, want the failure", i+1, err)
		}
	}
	if syncs != 2 {
		t.Errorf("%d folder syncs, want 2", syncs)
	}
	g := &folderSync{}
	calls := 0
	do := func() error {
		calls++
		if calls == 1 {
			return boom
		}
		return nil
	}
	if err := g.syncFolder(do); !errors.Is(err, boom) {
		t.Fatalf("first sync: %v, want the failure", err)
	}
	if err := g.syncFolder(do); err != nil {
		t.Fatalf("a sync that started after the failure: %v, want success", err)
	}
}

// TestGroupCommitAbandonedSync: a sync that never returns (here it
// panics) still ends its turn: the callers waiting for it fail instead of
// hanging, and the next caller runs a sync of its own.
func TestGroupCommitAbandonedSync(t *testing.T) {
	g := &folderSync{}
	func() {
		defer func() { _ = recover() }()
		g.syncFolder(func() error { panic("in the sync") })
	}()
	if g.failed != 1 || g.running {
		t.Fatalf("after a panicking sync: failed %d, running %v; want failed 1, not running", g.failed, g.running)
	}
	ran := false
	if err := g.syncFolder(func() error { ran = true; return nil }); err != nil || !ran {
		t.Errorf("the next sync: ran %v, err %v; want it run, no error", ran, err)
	}
}
