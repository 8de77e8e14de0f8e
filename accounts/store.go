package accounts

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"mailq/inifile"
)

// The sections of mailq.ini this package owns.
const (
	sectionUsers  = "Users"
	sectionLocked = "Pop-Locked"
)

// Store answers the servers' account questions from mailq.ini and mailq.key.
// Every call first checks, with one stat of each file, whether either changed
// (another name, size or modification time), and re-reads both if so. A
// Store is safe for concurrent use.
type Store struct {
	ini, keyPath string

	mu   sync.Mutex
	snap *snapshot

	// Counts of the two steps of every check (see secret), for tests that
	// the checks of unknown, locked and known accounts do the same work.
	opened, compared atomic.Uint64
}

// snapshot is one reading of the files; it is never changed once built.
type snapshot struct {
	iniStamp, keyStamp stamp
	users              map[string]string // lower-case address → stored value
	names              []string          // sorted
	locked             map[string]bool
	key                []byte
	keyErr             error
	dummy              string // a value sealed with key for dummyAddr
}

// stamp identifies one version of a file; fi is nil when it is missing.
type stamp struct{ fi fs.FileInfo }

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{fi}
}

func (a stamp) same(b stamp) bool {
	if a.fi == nil || b.fi == nil {
		return a.fi == nil && b.fi == nil
	}
	return os.SameFile(a.fi, b.fi) && a.fi.Size() == b.fi.Size() && a.fi.ModTime().Equal(b.fi.ModTime())
}

// Open reads the accounts in the INI file at iniPath, whose passwords are
// sealed with the key in keyPath. A missing INI file means no accounts yet; a
// missing or unreadable key is not an error here (logins then fail with
// ErrSecret).
func Open(iniPath, keyPath string) (*Store, error) {
	s := &Store{ini: iniPath, keyPath: keyPath}
	snap, err := load(iniPath, keyPath, stampOf(iniPath), stampOf(keyPath))
	if err != nil {
		return nil, err
	}
	s.snap = snap
	return s, nil
}

// load reads both files. The stamps are taken before reading, so a change
// during the read is seen at the next check.
func load(iniPath, keyPath string, is, ks stamp) (*snapshot, error) {
	data, err := os.ReadFile(iniPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	snap := &snapshot{iniStamp: is, keyStamp: ks,
		users: map[string]string{}, locked: map[string]bool{}}
	for _, e := range inifile.Parse(data, sectionUsers) {
		snap.users[strings.ToLower(e.Key)] = e.Value // the last of repeated keys wins, as in ini.v1
	}
	for _, e := range inifile.Parse(data, sectionLocked) {
		snap.locked[strings.ToLower(e.Key)] = isTrue(e.Value)
	}
	for name := range snap.users {
		snap.names = append(snap.names, name)
	}
	slices.Sort(snap.names)
	snap.key, snap.keyErr = readKey(keyPath)
	if snap.keyErr == nil {
		var pw [16]byte
		rand.Read(pw[:])
		if snap.dummy, err = seal(snap.key, dummyAddr, hex.EncodeToString(pw[:])); err != nil {
			snap.keyErr = err
		}
	}
	return snap, nil
}

// isTrue reads a [Pop-Locked] value. Anything but an empty value or one of
// ini.v1's false words counts as locked: a lockout should not lapse over a typo.
func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "", "0", "f", "false", "n", "no", "off":
		return false
	}
	return true
}

// current returns the newest snapshot, re-reading the files if they changed.
// If re-reading fails (a file briefly unreadable) the previous snapshot
// stays in use and the next call tries again.
func (s *Store) current() *snapshot {
	is, ks := stampOf(s.ini), stampOf(s.keyPath)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.snap.iniStamp.same(is) && s.snap.keyStamp.same(ks) {
		return s.snap
	}
	if snap, err := load(s.ini, s.keyPath, is, ks); err == nil {
		s.snap = snap
	}
	return s.snap
}

// Exists reports whether addr is an account (case-insensitive).
func (s *Store) Exists(addr string) bool {
	_, ok := s.current().users[strings.ToLower(addr)]
	return ok
}

// Users returns the account names, lower case and sorted.
func (s *Store) Users() []string {
	return slices.Clone(s.current().names)
}

// Locked reports whether [Pop-Locked] locks addr.
func (s *Store) Locked(addr string) bool {
	return s.current().locked[strings.ToLower(addr)]
}

// Lock locks the account addr by writing "addr=True" into [Pop-Locked], an
// administrator's lock that lasts until /UNLOCK (the servers no longer write
// it: their locks after failed logins end by themselves; see package
// policy's Logins). An unknown account gives
// ErrUnknown and writes nothing.
func (s *Store) Lock(addr string) error {
	a := strings.ToLower(addr)
	if !s.Exists(a) {
		return fmt.Errorf("%w: %s", ErrUnknown, a)
	}
	err := inifile.Edit(s.ini, sectionLocked, nil, func(es []inifile.Entry) ([]inifile.Entry, error) {
		found := false
		for i := range es {
			if strings.EqualFold(es[i].Key, a) {
				found = true
				if !isTrue(es[i].Value) {
					es[i].Value = "True"
				}
			}
		}
		if !found {
			es = append(es, inifile.Entry{Key: a, Value: "True"})
		}
		return es, nil
	})
	if err != nil {
		return fmt.Errorf("accounts: lock %s: %w", a, err)
	}
	return nil
}
