package queue

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"mailq/address"
)

const (
	// deletedDir is the folder inside a mailbox where POPRenameOnDelete
	// keeps messages a POP3 client deleted.
	deletedDir = "deleted"
	// lockName is the POP3 mailbox lock file. It is neither an id nor a
	// temporary name, so no listing shows it and Recover never removes it.
	lockName = "mailbox.lck"
)

// mailboxDir returns the folder of addr's mailbox under Users, or under
// Unknown, built only from address.SafeName (STYLE section 6). An unsafe
// address gives an error wrapping address.ErrUnsafe.
func (t *Tree) mailboxDir(addr string, unknown bool) (string, error) {
	name, err := address.SafeName(addr)
	if err != nil {
		return "", err
	}
	root := t.users
	if unknown {
		root = t.unknown
	}
	dir := filepath.Join(root, name)
	if filepath.Dir(dir) != root { // belt and braces: one level below root, always
		return "", address.ErrUnsafe
	}
	return dir, nil
}

// Deliver writes message id into the mailbox of addr (under Unknown if
// unknown is true): header, then body, as <id>.eml. The MDA calls it once
// per local recipient, and it delivers exactly once (DURABILITY rule 7): if
// <id>.eml is already in the mailbox, or in its deleted folder, the copy was
// delivered before and Deliver returns (false, nil) without writing.
// Otherwise it writes a temporary file in the mailbox, syncs it, renames it
// to <id>.eml (never replacing anything: rule 4) and syncs the folder; the
// rename is what makes the message visible to POP3 (rule 11).
//
// An address that cannot name a folder safely gives an error wrapping
// address.ErrUnsafe, and nothing is written anywhere.
func (t *Tree) Deliver(addr string, unknown bool, id ID, header []byte, body io.Reader) (bool, error) {
	wrap := func(err error) error { return wrapErr(err, "queue: deliver %s to %q", id, addr) }
	if !id.Valid() {
		return false, wrap(ErrBadID)
	}
	dir, err := t.mailboxDir(addr, unknown)
	if err != nil {
		return false, wrap(err)
	}
	if err := t.mkdirDurable(dir); err != nil {
		return false, wrap(err)
	}
	final := filepath.Join(dir, emlName(id))
	if exists(final) || exists(filepath.Join(dir, deletedDir, emlName(id))) {
		return false, nil
	}
	tmp, err := t.writeTemp(dir, string(id), func(w io.Writer) error {
		if _, err := w.Write(header); err != nil {
			return err
		}
		_, err := io.Copy(w, source{body, "message body"})
		return err
	})
	if err != nil {
		return false, wrap(err)
	}
	t.step("deliver:synced")
	if err := renameNoReplace(tmp, final); err != nil {
		_ = os.Remove(tmp)
		if isExist(err) {
			return false, nil // a concurrent delivery of the same copy won
		}
		return false, wrap(fileErr("rename", final, err))
	}
	t.step("deliver:renamed")
	if err := t.syncDir(dir); err != nil {
		return false, wrap(err)
	}
	return true, nil
}

// Mailbox is one user's mailbox folder, as the POP3 server sees it. It is
// not safe for concurrent use; the POP3 mailbox lock (LockPath) keeps one
// session per mailbox.
type Mailbox struct {
	t   *Tree // for its sync seam
	dir string
}

// Message is a committed message in a mailbox.
type Message struct {
	ID   ID    // the queue id: also the POP3 UIDL
	Size int64 // bytes in the file
}

// Mailbox returns addr's mailbox under Users, creating its folder if
// missing (so the POP3 lock file has a place). An unsafe address gives an
// error wrapping address.ErrUnsafe.
func (t *Tree) Mailbox(addr string) (*Mailbox, error) {
	dir, err := t.mailboxDir(addr, false)
	if err != nil {
		return nil, fmt.Errorf("queue: mailbox %q: %w", addr, err)
	}
	if err := t.mkdirDurable(dir); err != nil {
		return nil, fmt.Errorf("queue: mailbox %q: %w", addr, err)
	}
	return &Mailbox{t: t, dir: dir}, nil
}

// List returns the committed messages, sorted by id: regular files named
// <id>.eml with a valid id. Temporary files, the lock file and the deleted
// folder are never listed (DURABILITY rule 11).
func (mb *Mailbox) List() ([]Message, error) {
	d, err := os.Open(mb.dir)
	if err != nil {
		return nil, fmt.Errorf("queue: list mailbox: %w", fileErr("read folder", mb.dir, err))
	}
	defer d.Close()
	entries, err := d.ReadDir(-1) // unsorted, unlike os.ReadDir: sorted once below, by id
	if err != nil {
		return nil, fmt.Errorf("queue: list mailbox: %w", fileErr("read folder", mb.dir, err))
	}
	msgs := make([]Message, 0, len(entries))
	for _, de := range entries {
		id, ext, ok := splitName(de.Name())
		if !ok || ext != extEML || !de.Type().IsRegular() {
			continue
		}
		size, err := fileSizeAt(d, de.Name()) // relative to the open folder: no path walk per file
		if isNotExist(err) {
			continue // deleted since the folder was read
		}
		if err != nil {
			return nil, fmt.Errorf("queue: list mailbox: %w", fileErr("stat", de.Name(), err))
		}
		msgs = append(msgs, Message{ID: id, Size: size})
	}
	slices.SortFunc(msgs, func(a, b Message) int { return compareIDs(a.ID, b.ID) })
	return msgs, nil
}

// Path returns the path of message id in the mailbox, whether or not it is
// there: what a delivery script is told as EML_FILE for the copy Deliver
// wrote.
func (mb *Mailbox) Path(id ID) (string, error) {
	if !id.Valid() {
		return "", fmt.Errorf("%w: %q", ErrBadID, id)
	}
	return filepath.Join(mb.dir, emlName(id)), nil
}

// Open opens message id for reading.
func (mb *Mailbox) Open(id ID) (*os.File, error) {
	if !id.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrBadID, id)
	}
	p := filepath.Join(mb.dir, emlName(id))
	f, err := os.Open(p)
	if isNotExist(err) {
		return nil, fmt.Errorf("queue: open %s: %w", id, ErrNotFound)
	}
	return f, fileErr("open", p, err)
}

// Delete removes message id and syncs the folder. A message already gone
// is not an error.
func (mb *Mailbox) Delete(id ID) error {
	if !id.Valid() {
		return fmt.Errorf("%w: %q", ErrBadID, id)
	}
	p := filepath.Join(mb.dir, emlName(id))
	if err := os.Remove(p); err != nil && !isNotExist(err) {
		return fmt.Errorf("queue: delete %s: %w", id, fileErr("remove", p, err))
	}
	return mb.t.syncDir(mb.dir)
}

// Archive moves message id into the mailbox's deleted folder
// (POPRenameOnDelete), creating it if missing, and syncs both folders. If
// the deleted folder holds that id already, it returns an error wrapping
// ErrExists and leaves the message where it is (rule 13).
func (mb *Mailbox) Archive(id ID) error {
	if !id.Valid() {
		return fmt.Errorf("%w: %q", ErrBadID, id)
	}
	wrap := func(err error) error { return wrapErr(err, "queue: archive %s", id) }
	del := filepath.Join(mb.dir, deletedDir)
	if err := mb.t.mkdirDurable(del); err != nil {
		return wrap(err)
	}
	src, dst := filepath.Join(mb.dir, emlName(id)), filepath.Join(del, emlName(id))
	if err := renameNoReplace(src, dst); err != nil {
		if isExist(err) {
			return wrap(ErrExists)
		}
		if isNotExist(err) {
			return wrap(ErrNotFound)
		}
		return wrap(fileErr("rename", dst, err))
	}
	if err := mb.t.syncDir(del); err != nil {
		return wrap(err)
	}
	if err := mb.t.syncDir(mb.dir); err != nil {
		return wrap(err)
	}
	return nil
}

// LockPath returns the path of the POP3 lock file of this mailbox, inside
// its folder. Its name is not a message name and not a temporary name.
func (mb *Mailbox) LockPath() string { return filepath.Join(mb.dir, lockName) }
