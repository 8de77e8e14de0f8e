package osfile

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestLockExcludes: while one holder has the lock, a second Lock waits.
func TestLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	released := false
	done := make(chan bool)
	go func() {
		u, err := Lock(path)
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		mu.Lock()
		done <- released
		mu.Unlock()
		u()
	}()
	select {
	case <-done:
		t.Fatal("a second Lock did not wait for the first")
	case <-time.After(100 * time.Millisecond):
	}
	mu.Lock()
	released = true
	mu.Unlock()
	unlock()
	if !<-done {
		t.Fatal("the second holder got the lock before the first released it")
	}
}

func TestRenameAndSync(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("new"), 0o644)
	os.WriteFile(b, []byte("old"), 0o644)
	if err := Rename(a, b); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(b); string(data) != "new" {
		t.Fatalf("b holds %q", data)
	}
}
