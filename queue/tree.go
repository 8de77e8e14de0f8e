package queue

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Folder names one of the queue folders of the tree.
type Folder int

// The queue folders. Incoming is where the SMTP server commits (QueuePath)
// and where drop-directory programs put sets.
const (
	Incoming Folder = iota
	External
	Retry
	Sent
	Failed
	Bad
	numFolders
)

var folderNames = [numFolders]string{"queue", "external", "retry", "sent", "failed", "bad"}

func (f Folder) String() string {
	if !f.valid() {
		return fmt.Sprintf("folder(%d)", int(f))
	}
	return folderNames[f]
}

func (f Folder) valid() bool { return f >= 0 && f < numFolders }

// Dirs gives the absolute path of every folder of the tree. All must differ;
// they may nest (the manual keeps external inside the queue folder and
// unknown inside users), because only files directly inside a folder count.
type Dirs struct {
	Incoming string // QueuePath: the SMTP server's incoming queue
	External string // for the MXA
	Retry    string // per-recipient copies waiting for their next attempt
	Sent     string // delivered to the next hop (unless SMTPDeleteOnSend)
	Failed   string // given up
	Bad      string // quarantine: sets that cannot be read, with a .why note
	Users    string // UserPath: one mailbox folder per address
	Unknown  string // mailboxes of unknown users at local domains
}

// Tree is the mailq folder tree. It is safe for concurrent use; a Draft and
// a Mailbox are not.
type Tree struct {
	dirs    [numFolders]string
	users   string
	unknown string

	// Test seams, set only by tests in this package.
	now       func() time.Time
	newID     func(time.Time) ID
	create    func(path string) (tempFile, error) // creates a temp file, O_EXCL
	hook      func(step string)                   // called between the steps of a protocol
	forceCopy bool                                // take the cross-device path of moves

	// fast skips every file and folder sync (SetDurable, fast.go).
	fast bool

	// folders shares the folder syncs of concurrent callers (groupsync.go).
	folders folderSyncs

	// syncHook, if set, runs every file and folder sync (sync.go).
	syncHook func(kind, path string, do func() error) error
}

// tempFile is what a protocol writes through: an *os.File, or a fake in tests.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
}

// Open checks dirs, creates missing folders (syncing each parent, so a
// folder made now survives a crash: DURABILITY rule 1) and checks that each
// can be written. Its error names the folder that failed.
func Open(dirs Dirs) (*Tree, error) {
	t := &Tree{
		dirs:    [numFolders]string{dirs.Incoming, dirs.External, dirs.Retry, dirs.Sent, dirs.Failed, dirs.Bad},
		users:   dirs.Users,
		unknown: dirs.Unknown,
		now:     time.Now,
		newID:   NewID,
		create:  createTemp,
	}
	names := append(folderNames[:], "users", "unknown")
	paths := append(t.dirs[:], t.users, t.unknown)
	seen := make(map[string]string)
	for i, p := range paths {
		if p == "" || !filepath.IsAbs(p) {
			return nil, fmt.Errorf("queue: %s folder %q: not an absolute path", names[i], p)
		}
		p = filepath.Clean(p)
		if other, dup := seen[strings.ToLower(p)]; dup {
			return nil, fmt.Errorf("queue: %s folder %q: same as the %s folder", names[i], p, other)
		}
		seen[strings.ToLower(p)] = names[i]
		paths[i] = p
		if err := t.mkdirDurable(p); err != nil {
			return nil, fmt.Errorf("queue: %s folder: cannot create: %w", names[i], err)
		}
		if err := probe(p); err != nil {
			return nil, fmt.Errorf("queue: %s folder: cannot write: %w", names[i], err)
		}
	}
	copy(t.dirs[:], paths[:numFolders])
	t.users, t.unknown = paths[numFolders], paths[numFolders+1]
	return t, nil
}

// probe creates and removes a temporary file in dir.
func probe(dir string) error {
	p := tempPath(dir, "probe")
	f, err := createTemp(p)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fileErr("close", p, err)
	}
	return fileErr("remove", p, os.Remove(p))
}

// dir returns the path of folder f.
func (t *Tree) dir(f Folder) (string, error) {
	if !f.valid() {
		return "", fmt.Errorf("queue: unknown folder %d", int(f))
	}
	return t.dirs[f], nil
}

// setDir checks f and id and returns the folder's path.
func (t *Tree) setDir(f Folder, id ID) (string, error) {
	if !id.Valid() {
		return "", fmt.Errorf("%w: %q", ErrBadID, id)
	}
	return t.dir(f)
}

// step calls the test hook, if any, between two steps of a protocol.
func (t *Tree) step(name string) {
	if t.hook != nil {
		t.hook(name)
	}
}

// List returns the ids of the committed sets in f (both files present;
// DURABILITY rule 2), sorted by id. An .eml without its .auth, a temporary
// file or a set in the middle of a move is not listed.
func (t *Tree) List(f Folder) ([]ID, error) {
	dir, err := t.dir(f)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("queue: list %s: %w", f, fileErr("read folder", dir, err))
	}
	eml := make(map[ID]bool, len(entries)/2)
	var auth []ID
	for _, de := range entries {
		id, ext, ok := splitName(de.Name())
		if !ok || !de.Type().IsRegular() {
			continue
		}
		switch ext {
		case extEML:
			eml[id] = true
		case extAuth:
			auth = append(auth, id)
		}
	}
	ids := auth[:0]
	for _, id := range auth {
		if eml[id] {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return ids, nil
}

// Count returns the number of committed sets in f, so the SMTP server can
// refuse new mail above a queue cap.
func (t *Tree) Count(f Folder) (int, error) {
	ids, err := t.List(f)
	return len(ids), err
}

// FreeBytes returns the space available on the file system holding f
// (DURABILITY rule 6: the SMTP server refuses with 452 4.3.1 below a floor).
func (t *Tree) FreeBytes(f Folder) (uint64, error) {
	dir, err := t.dir(f)
	if err != nil {
		return 0, err
	}
	return freeBytes(dir)
}

// Open opens the .eml of the committed set id in f for reading.
func (t *Tree) Open(f Folder, id ID) (*os.File, error) {
	dir, err := t.setDir(f, id)
	if err != nil {
		return nil, err
	}
	if !exists(filepath.Join(dir, authName(id))) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, id, f)
	}
	file, err := os.Open(filepath.Join(dir, emlName(id)))
	if isNotExist(err) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, id, f)
	}
	return file, fileErr("open", filepath.Join(dir, emlName(id)), err)
}

// Envelope reads the envelope of the committed set id in f.
//
// A set dropped by another program may leave out optional fields. The first
// reader fills them in and records them at once, with UpdateEnvelope, so
// they never change afterwards: the id from the file name, a new tracking
// id, the size of the .eml, and as the receive time the modification time
// of the .auth (the moment the drop program committed the set; never later
// than now). Expiry then counts from that recorded time, not from a file
// time that later copies and moves change. As with every change to a set,
// only the agent that owns the folder should read envelopes there.
func (t *Tree) Envelope(f Folder, id ID) (*Envelope, error) {
	dir, err := t.setDir(f, id)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, authName(id))
	e, info, err := readEnvelope(path)
	if isNotExist(err) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, id, f)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: read envelope %s in %s: %w", id, f, err)
	}
	if e.ID != "" && e.ID != id {
		return nil, fmt.Errorf("queue: read envelope %s in %s: %w", id, f,
			malformed("id line %s does not match the file name", e.ID))
	}
	if t.fillDefaults(e, id, dir, info) {
		if err := t.UpdateEnvelope(f, e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// fillDefaults fills in the fields a drop program may leave out (see
// Envelope) and reports whether it changed anything.
func (t *Tree) fillDefaults(e *Envelope, id ID, dir string, auth os.FileInfo) bool {
	changed := false
	if e.ID == "" {
		e.ID, changed = id, true
	}
	if e.Tracking == "" {
		e.Tracking, changed = NewTrackingID(), true
	}
	if e.Received.IsZero() {
		e.Received = auth.ModTime()
		if now := t.now(); e.Received.After(now) {
			e.Received = now
		}
		e.Received, changed = e.Received.UTC().Round(0), true
	}
	if e.Size == 0 {
		if st, err := os.Stat(filepath.Join(dir, emlName(id))); err == nil && st.Size() != 0 {
			e.Size, changed = st.Size(), true
		}
	}
	return changed
}

// readEnvelope reads and parses an .auth file, at most maxEnvelopeSize bytes.
func readEnvelope(path string) (*Envelope, os.FileInfo, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return nil, nil, fileErr("stat", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(file, maxEnvelopeSize+1))
	if err != nil {
		return nil, nil, fileErr("read", path, err)
	}
	e, err := ParseEnvelope(data)
	if err != nil {
		return nil, nil, err
	}
	return e, info, nil
}
