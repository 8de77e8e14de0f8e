package pop3

import (
	"sync"
	"time"
)

// Bounds of the failure memory. A name's count is forgotten a day after its
// last failure (so one mistyped password a week never adds up to a lockout),
// and at most lockoutNames names are remembered, the oldest forgotten first
// (so a client trying millions of names cannot exhaust memory).
const (
	lockoutMemory = 24 * time.Hour
	lockoutNames  = 10000
)

// lockout counts consecutive failed logins per login name, across sessions,
// in memory (see "Logins that fail" in doc.go). It is safe for concurrent
// use.
type lockout struct {
	limit int // POPLockout; 0 never locks
	now   func() time.Time

	mu    sync.Mutex
	names map[string]*strikes
}

type strikes struct {
	n       int       // consecutive failures
	last    time.Time // of the last failure
	wrote   bool      // this process wrote the account to [Pop-Locked]
	unknown bool      // the name was no account when it reached the limit
}

func newLockout(limit int, now func() time.Time) *lockout {
	return &lockout{limit: limit, now: now, names: map[string]*strikes{}}
}

// tripped reports whether name has reached the limit, so that its logins are
// refused as locked without checking the password. The count starts again
// from zero when an administrator has acted since: this process locked the
// account and [Pop-Locked] no longer holds it (/UNLOCK), or the name was no
// account when it reached the limit and is one now (/ADDUSER after someone
// tried the name; /UNLOCK could not clear it, as nothing was written).
func (l *lockout) tripped(name string, users accountState) bool {
	if l.limit <= 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.names[name]
	switch {
	case s == nil || s.n < l.limit:
		return false
	case l.now().Sub(s.last) > lockoutMemory,
		s.wrote && !users.Locked(name),
		s.unknown && users.Exists(name):
		delete(l.names, name)
		return false
	}
	return true
}

// failed counts a failure for name. It returns the count, whether this
// failure reached the limit, and whether the name is now at or past it.
func (l *lockout) failed(name string) (n int, reached, locked bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.names[name]
	if s != nil && now.Sub(s.last) > lockoutMemory {
		s = nil
	}
	if s == nil {
		l.makeRoom(now)
		s = &strikes{}
		l.names[name] = s
	}
	s.n++
	s.last = now
	if l.limit <= 0 {
		return s.n, false, false
	}
	return s.n, s.n == l.limit, s.n >= l.limit
}

// wrote records that name was written to [Pop-Locked].
func (l *lockout) wrote(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.names[name]; s != nil {
		s.wrote = true
	}
}

// noAccount records that name reached the limit without being an account.
func (l *lockout) noAccount(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.names[name]; s != nil {
		s.unknown = true
	}
}

// accountState is what the lockout asks of the accounts (*accounts.Store).
type accountState interface {
	Exists(name string) bool
	Locked(name string) bool
}

// succeeded forgets name's failures: only consecutive failures count.
func (l *lockout) succeeded(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.names, name)
}

// makeRoom keeps the map under lockoutNames: expired names go first, then
// the one whose last failure is oldest.
func (l *lockout) makeRoom(now time.Time) {
	if len(l.names) < lockoutNames {
		return
	}
	var oldest string
	var oldestAt time.Time
	for name, s := range l.names {
		if now.Sub(s.last) > lockoutMemory {
			delete(l.names, name)
			continue
		}
		if oldest == "" || s.last.Before(oldestAt) {
			oldest, oldestAt = name, s.last
		}
	}
	if len(l.names) >= lockoutNames {
		delete(l.names, oldest)
	}
}
