package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func lockPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "smtpserver.lck")
}

// writeOwner plants a lock file describing o, as another process would.
func writeOwner(t *testing.T, path string, o Owner) {
	t.Helper()
	if err := os.WriteFile(path, o.encode(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// childEnv is the environment for a re-executed test binary. Under -race a
// process sleeps a second at exit unless told otherwise.
func childEnv(extra ...string) []string {
	env := os.Environ()
	if os.Getenv("GORACE") == "" {
		env = append(env, "GORACE=atexit_sleep_ms=0")
	}
	return append(env, extra...)
}

// deadPID runs a short-lived child process to completion and returns its
// process id, which then names no process (barring quick reuse).
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = childEnv()
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v", err)
	}
	return cmd.ProcessState.Pid()
}

func mustAcquire(t *testing.T, path string) *Lock {
	t.Helper()
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	return l
}

func TestAcquireRelease(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	l := mustAcquire(t, path)
	if l.TookOver != nil {
		t.Errorf("TookOver = %v on a fresh lock", l.TookOver)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	o, err := parse(raw)
	if err != nil || o.PID != os.Getpid() || o.Token != l.Owner.Token {
		t.Fatalf("file says %+v, %v; want pid %d token %s", o, err, os.Getpid(), l.Owner.Token)
	}
	if first, _, _ := strings.Cut(string(raw), "\n"); first != fmt.Sprint(os.Getpid()) {
		t.Errorf("first line %q is not the bare pid", first)
	}
	if l.Gone() {
		t.Error("Gone() = true for a held lock")
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file still there after Release: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	mustAcquire(t, path).Release()
}

func TestSecondAcquireHeld(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	l := mustAcquire(t, path)
	defer l.Release()
	before, _ := os.ReadFile(path)
	_, err := Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("second Acquire: %v, want *HeldError", err)
	}
	if held.PID != os.Getpid() || held.Path != path {
		t.Errorf("HeldError = %+v", held)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(os.Getpid())) || !strings.Contains(msg, "/stop") {
		t.Errorf("message %q does not name the process and the remedy", msg)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused Acquire changed the file")
	}
}

func TestTakeOver(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	exe, _ := os.Executable()
	base := Owner{Host: host, Exe: exe, Started: time.Now().UTC().Add(-time.Hour), Token: "old"}
	tests := []struct {
		name   string
		plant  func(t *testing.T, path string)
		reason string // substring of Stale.Reason; "" means no take-over
	}{
		{"dead pid", func(t *testing.T, path string) {
			o := base
			o.PID = deadPID(t)
			writeOwner(t, path, o)
		}, "no longer running"},
		{"own pid, earlier process", func(t *testing.T, path string) {
			o := base
			o.PID, o.Instance = os.Getpid(), "earlier"
			writeOwner(t, path, o)
		}, "earlier process"},
		{"old garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("\x00\x01junk"), 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Minute)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}, "unreadable"},
		{"empty old file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Minute)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}, "unreadable"},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name   string
			plant  func(t *testing.T, path string)
			reason string
		}{"pid reused by another program", func(t *testing.T, path string) {
			o := base
			o.PID = os.Getpid()
			o.Exe = "/nonexistent/other-program"
			writeOwner(t, path, o)
		}, "now belongs to"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := lockPath(t)
			tc.plant(t, path)
			l := mustAcquire(t, path)
			defer l.Release()
			if l.TookOver == nil || !strings.Contains(l.TookOver.Reason, tc.reason) {
				t.Fatalf("TookOver = %v, want reason containing %q", l.TookOver, tc.reason)
			}
			if l.Gone() {
				t.Error("Gone() after take-over")
			}
			matches, _ := filepath.Glob(path + ".*")
			if len(matches) != 0 {
				t.Errorf("left behind: %v", matches)
			}
		})
	}
}

func TestHeld(t *testing.T) {
	t.Parallel()
	host, _ := os.Hostname()
	tests := []struct {
		name    string
		content func(t *testing.T) []byte
		pid     int
	}{
		{"other host", func(*testing.T) []byte {
			return Owner{PID: deadPID(t), Host: host + "-elsewhere", Started: time.Now(), Token: "x"}.encode()
		}, -1},
		{"live pid, unknown exe", func(*testing.T) []byte {
			return Owner{PID: os.Getpid(), Host: host, Started: time.Now(), Token: "x"}.encode()
		}, os.Getpid()},
		{"young garbage", func(*testing.T) []byte { return nil }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := lockPath(t)
			content := tc.content(t)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Acquire(path)
			var held *HeldError
			if !errors.As(err, &held) {
				t.Fatalf("Acquire: %v, want *HeldError", err)
			}
			if tc.pid >= 0 && held.PID != tc.pid {
				t.Errorf("PID = %d, want %d", held.PID, tc.pid)
			}
			if after, _ := os.ReadFile(path); string(after) != string(content) {
				t.Error("a refused Acquire changed the file")
			}
		})
	}
}

func TestReadRunning(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	if _, err := Read(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read of no file: %v", err)
	}
	l := mustAcquire(t, path)
	o, err := Read(path)
	if err != nil || !sameOwner(o, l.Owner) {
		t.Fatalf("Read = %+v, %v; want %+v", o, err, l.Owner)
	}
	if !o.Running() {
		t.Error("our own lock's owner is not Running")
	}
	l.Release()
	dead := o
	dead.PID = deadPID(t)
	if dead.Running() {
		t.Error("a dead owner is Running")
	}
	dead.Host += "-elsewhere"
	if !dead.Running() {
		t.Error("an owner on another host is not Running")
	}
}

func TestWatch(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	l := mustAcquire(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gone := l.Watch(ctx, 5*time.Millisecond)
	select {
	case <-gone:
		t.Fatal("Watch fired while the lock is held")
	case <-time.After(30 * time.Millisecond):
	}
	if existed, err := Remove(path); !existed || err != nil {
		t.Fatalf("Remove = %v, %v", existed, err)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not fire after Remove")
	}
	if existed, err := Remove(path); existed || err != nil {
		t.Fatalf("second Remove = %v, %v; want false, nil", existed, err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release after Remove: %v", err)
	}
}

func TestWatchStopsOnCancel(t *testing.T) {
	t.Parallel()
	l := mustAcquire(t, lockPath(t))
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan struct{})
	exited := make(chan struct{})
	go l.watch(ctx, time.Millisecond, gone, exited)
	cancel()
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("watcher goroutine did not exit after cancel")
	}
	select {
	case <-gone:
		t.Fatal("gone closed on cancel")
	default:
	}
}

func TestReleaseKeepsOthersLock(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	l := mustAcquire(t, path)
	// Another owner replaces the file, as a take-over does.
	other := Owner{PID: 1, Host: "h", Started: time.Now().UTC(), Token: "theirs"}
	tmp := path + ".new"
	writeOwner(t, tmp, other)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if !l.Gone() {
		t.Error("Gone() = false after replacement")
	}
	if err := l.Release(); !errors.Is(err, ErrLost) {
		t.Fatalf("Release = %v, want ErrLost", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil || string(raw) != string(other.encode()) {
		t.Fatalf("their lock was touched: %q, %v", raw, err)
	}
}

func TestGoneAfterInPlaceRewrite(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	l := mustAcquire(t, path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("edited by hand\n")
	f.Close()
	if !l.Gone() {
		t.Error("Gone() = false after the file was overwritten in place")
	}
}

// TestConcurrentAcquire races goroutines for a free lock and for a stale one:
// exactly one must win each time.
func TestConcurrentAcquire(t *testing.T) {
	t.Parallel()
	for _, stale := range []bool{false, true} {
		t.Run(fmt.Sprintf("stale=%v", stale), func(t *testing.T) {
			t.Parallel()
			path := lockPath(t)
			if stale {
				host, _ := os.Hostname()
				writeOwner(t, path, Owner{PID: deadPID(t), Host: host, Started: time.Now(), Token: "dead"})
			}
			const n = 40
			var wg sync.WaitGroup
			locks := make(chan *Lock, n)
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					l, err := Acquire(path)
					if err != nil {
						errs <- err
						return
					}
					locks <- l
				})
			}
			wg.Wait()
			close(locks)
			close(errs)
			if len(locks) != 1 {
				t.Fatalf("%d winners, want 1", len(locks))
			}
			for err := range errs {
				var held *HeldError
				if !errors.As(err, &held) {
					t.Errorf("loser got %v, want *HeldError", err)
				}
			}
			l := <-locks
			if l.Gone() {
				t.Error("winner's lock is Gone")
			}
			// The winner need not be the goroutine that removed the stale
			// file, so TookOver may be nil here.
		})
	}
}
