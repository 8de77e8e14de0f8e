package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"mailq/internal/osfile"
)

// ErrLost is wrapped by Release when the file at the lock's path now belongs
// to another owner; Release then leaves that file alone.
var ErrLost = errors.New("lockfile: lock file belongs to another owner now")

const (
	// garbageGrace is how long an unparsable lock file is presumed to be in
	// the middle of being written (created, not yet filled) rather than left
	// behind by a crash.
	garbageGrace = 2 * time.Second
	// maxAttempts bounds Acquire's create/inspect/take-over loop when other
	// processes keep changing the file under it.
	maxAttempts = 8
	// defaultInterval is Watch's check interval when the caller passes <= 0.
	defaultInterval = time.Second
)

// Lock is a lock file this process created.
type Lock struct {
	Path  string
	Owner Owner // what the file says: this process
	// TookOver is nil unless Acquire removed a stale lock to get this one;
	// callers should log it.
	TookOver *Stale

	info fs.FileInfo // the file as created, to notice replacement cheaply

	mu       sync.Mutex
	released bool
}

// Stale describes a lock that Acquire took over.
type Stale struct {
	Owner  Owner  // zero when the file could not be parsed
	Reason string // e.g. "process 4242 is no longer running"
}

func (s *Stale) String() string { return s.Reason }

// HeldError says that a live process, or a process on another host, holds
// the lock at Path.
type HeldError struct {
	Path    string
	PID     int // 0 when the file is still being written
	Host    string
	Started time.Time
	remote  bool
}

func (e *HeldError) Error() string {
	switch {
	case e.PID == 0:
		return fmt.Sprintf("lockfile: %s is being created by another process; try again in a moment", e.Path)
	case e.remote:
		return fmt.Sprintf("lockfile: %s is held by process %d on host %q (since %s); "+
			"stop mailq on that host first, or delete the file if that host no longer runs it",
			e.Path, e.PID, e.Host, e.Started.Format(time.RFC3339))
	default:
		return fmt.Sprintf("lockfile: %s is held by running process %d (since %s); "+
			"stop it first (mailq /stop), or delete the file if that process is not mailq",
			e.Path, e.PID, e.Started.Format(time.RFC3339))
	}
}

// Acquire creates the lock file at path for this process. If a lock file is
// already there, Acquire takes it over when it is stale (see the package
// comment), recording the old owner in Lock.TookOver, and otherwise returns a
// *HeldError.
//
// Taking over never overwrites: the stale file is renamed aside under a unique
// name and checked to be the very file judged stale, and the new lock is then
// created with O_EXCL like any other. So when several processes race for a
// stale lock, exactly one of them wins and the others get a *HeldError.
func Acquire(path string) (*Lock, error) {
	self := newOwner()
	var took *Stale
	for range maxAttempts {
		l, err := create(path, self)
		if err == nil {
			l.TookOver = took
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		stale, raw, err := inspect(path, self.Host)
		if err != nil {
			return nil, err
		}
		if stale == nil {
			continue // removed since our create failed: try again
		}
		if err := removeStale(path, raw); err != nil {
			return nil, err
		}
		took = stale
	}
	return nil, fmt.Errorf("lockfile: %s kept changing during %d attempts to lock it; try again", path, maxAttempts)
}

// create makes the lock file with O_EXCL, writes and syncs it. The returned
// error wraps fs.ErrExist when a lock file is already there.
func create(path string, self Owner) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lockfile: create %s: %w", path, err)
	}
	_, err = f.Write(self.encode())
	if err == nil {
		err = f.Sync()
	}
	var info fs.FileInfo
	if err == nil {
		info, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // ours: created with O_EXCL a moment ago
		return nil, fmt.Errorf("lockfile: write %s: %w", path, err)
	}
	// Some systems update times at close; prefer a stat taken afterwards
	// when it still shows our file.
	if after, err := os.Stat(path); err == nil && os.SameFile(after, info) {
		info = after
	}
	return &Lock{Path: path, Owner: self, info: info}, nil
}

// inspect judges the existing lock file at path. It returns a *Stale and the
// file's bytes when the lock may be taken over, a *HeldError when it may not,
// and (nil, nil, nil) when the file has disappeared meanwhile.
func inspect(path, host string) (*Stale, []byte, error) {
	raw, mod, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lockfile: read %s: %w", path, err)
	}
	o, perr := parse(raw)
	if perr != nil {
		if age := time.Since(mod); age >= 0 && age < garbageGrace {
			return nil, nil, &HeldError{Path: path}
		}
		return &Stale{Reason: fmt.Sprintf("its content was unreadable (%v)", perr)}, raw, nil
	}
	if !strings.EqualFold(o.Host, host) {
		return nil, nil, &HeldError{Path: path, PID: o.PID, Host: o.Host, Started: o.Started, remote: true}
	}
	if why := o.goneBecause(); why != "" {
		return &Stale{Owner: o, Reason: why}, raw, nil
	}
	return nil, nil, &HeldError{Path: path, PID: o.PID, Host: o.Host, Started: o.Started}
}

// goneBecause says why the process of o, an owner on this host, is gone, or
// returns "" if it may still run.
func (o Owner) goneBecause() string {
	running, exe := probe(o.PID)
	switch {
	case !running:
		return fmt.Sprintf("process %d is no longer running", o.PID)
	case o.PID == os.Getpid() && o.Instance != "" && o.Instance != instance:
		return fmt.Sprintf("it was written by an earlier process with this process id (%d)", o.PID)
	case reused(o.Exe, exe):
		return fmt.Sprintf("process id %d now belongs to %s, not %s", o.PID, filepath.Base(exe), filepath.Base(o.Exe))
	}
	return ""
}

// Running reports whether o's process may still run, judged as Acquire
// judges a lock's owner; an owner on another host counts as running. With
// Read, it lets /stop wait until the instance it stopped has exited.
func (o Owner) Running() bool {
	host, _ := os.Hostname()
	return !strings.EqualFold(o.Host, oneLine(host)) || o.goneBecause() == ""
}

// Read returns the owner recorded in the lock file at path. The error wraps
// fs.ErrNotExist when there is no file.
func Read(path string) (Owner, error) {
	raw, _, err := readFile(path)
	if err != nil {
		return Owner{}, fmt.Errorf("lockfile: %w", err)
	}
	o, err := parse(raw)
	if err != nil {
		return Owner{}, fmt.Errorf("lockfile: %s: %w", path, err)
	}
	return o, nil
}

// reused reports whether a live process running exe cannot be the owner that
// recorded recorded. Only base names are compared: full paths differ
// harmlessly (symlinks, 8.3 names, a binary replaced during an upgrade), and
// wrongly calling a live owner stale would let two instances run. An unknown
// path on either side means "cannot tell", which counts as not reused.
func reused(recorded, exe string) bool {
	if recorded == "" || exe == "" {
		return false
	}
	a, b := filepath.Base(recorded), filepath.Base(exe)
	if runtime.GOOS == "windows" {
		return !strings.EqualFold(a, b)
	}
	return a != b
}

// readFile reads at most maxFileSize+1 bytes of the file and its
// modification time.
func readFile(path string) ([]byte, time.Time, error) {
	f, err := openRead(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	return data, fi.ModTime(), err
}

// Release removes the lock file if it still carries this lock's token. It
// returns nil if the file is already gone (for example after /stop), and an
// error wrapping ErrLost, leaving the file in place, if another owner's lock
// is there now. Calling it again does nothing.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	l.released = true
	raw, _, err := readFile(l.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lockfile: release %s: %w", l.Path, err)
	}
	if o, err := parse(raw); err != nil || o.Token != l.Owner.Token {
		return fmt.Errorf("lockfile: release %s: %w", l.Path, ErrLost)
	}
	if err := osfile.Retry(func() error { return os.Remove(l.Path) }); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("lockfile: release %s: %w", l.Path, err)
	}
	return nil
}

// Gone reports whether the lock file was removed or replaced by another
// owner's. The usual check is one stat; the file is read only when its
// identity, size or time changed. An error other than "does not exist"
// (a share briefly unreachable, say) is not taken as gone: an instance must
// not stop on a transient error.
func (l *Lock) Gone() bool {
	fi, err := os.Stat(l.Path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	if !os.SameFile(fi, l.info) {
		return true
	}
	if fi.Size() == l.info.Size() && fi.ModTime().Equal(l.info.ModTime()) {
		return false
	}
	raw, _, err := readFile(l.Path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	o, err := parse(raw)
	return err != nil || o.Token != l.Owner.Token
}

// Watch checks Gone every interval (one second if interval <= 0) and closes
// the returned channel once it is true. Cancelling ctx stops the watching
// goroutine without closing the channel.
func (l *Lock) Watch(ctx context.Context, interval time.Duration) <-chan struct{} {
	gone := make(chan struct{})
	go l.watch(ctx, interval, gone, nil)
	return gone
}

// watch is Watch's goroutine; exited, when not nil, is closed as it returns
// so tests can see that it ended.
func (l *Lock) watch(ctx context.Context, interval time.Duration, gone, exited chan<- struct{}) {
	if exited != nil {
		defer close(exited)
	}
	if interval <= 0 {
		interval = defaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if l.Gone() {
				close(gone)
				return
			}
		}
	}
}

// Remove deletes the lock file at path whoever owns it; it is the /stop
// request. existed is false when there was no file.
func Remove(path string) (existed bool, err error) {
	err = osfile.Retry(func() error { return os.Remove(path) })
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("lockfile: remove %s: %w", path, err)
	}
}
