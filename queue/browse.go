package queue

import (
	"fmt"
	"io"
	"mailq/internal/osfile"
	"os"
	"path/filepath"
	"slices"
	"time"

	"mailq/address"
)

// Read-only access for viewers (the web instance): which mailboxes exist,
// what is in them, and a cache file per mailbox that the viewer may write.
// Nothing here commits, moves or removes mail.

// indexDir is the folder, inside the users root and inside the unknown
// root, that holds the viewers' cache files. Its name starts with a dot, so
// it is never an address (address.SafeName refuses it) and never a mailbox.
const indexDir = ".index"

// MailboxRef names one mailbox: an address under the users root, or under
// the unknown root when Unknown is set.
type MailboxRef struct {
	Addr    string // lower-case address, as the folder is named
	Unknown bool   // a mailbox of an unknown user (users/unknown/<addr>)
}

// Mailboxes lists the mailbox folders under the users root and the unknown
// root: every folder whose name is a safe address. The users root's own
// entries come first, then the unknown ones, each sorted by address.
func (t *Tree) Mailboxes() ([]MailboxRef, error) {
	var out []MailboxRef
	for _, unknown := range []bool{false, true} {
		root := t.users
		if unknown {
			root = t.unknown
		}
		entries, err := os.ReadDir(root)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return nil, fmt.Errorf("queue: list mailboxes: %w", fileErr("read folder", root, err))
		}
		var refs []MailboxRef
		for _, de := range entries {
			name := de.Name()
			if !de.IsDir() || filepath.Join(root, name) == t.unknown {
				continue
			}
			if safe, err := address.SafeName(name); err != nil || safe != name {
				continue
			}
			refs = append(refs, MailboxRef{Addr: name, Unknown: unknown})
		}
		slices.SortFunc(refs, func(a, b MailboxRef) int {
			switch {
			case a.Addr < b.Addr:
				return -1
			case a.Addr > b.Addr:
				return 1
			}
			return 0
		})
		out = append(out, refs...)
	}
	return out, nil
}

// ExistingMailbox returns the mailbox ref names without creating its folder:
// an error wrapping ErrNotFound if it does not exist, address.ErrUnsafe if
// the address cannot name a folder.
func (t *Tree) ExistingMailbox(ref MailboxRef) (*Mailbox, error) {
	dir, err := t.mailboxDir(ref.Addr, ref.Unknown)
	if err != nil {
		return nil, fmt.Errorf("queue: mailbox %q: %w", ref.Addr, err)
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return nil, fmt.Errorf("queue: mailbox %q: %w", ref.Addr, ErrNotFound)
	}
	return &Mailbox{t: t, dir: dir}, nil
}

// IDs returns the ids of the committed messages, sorted by id, without a
// file-system call per message: a viewer lists a mailbox of ten thousand
// messages this way and reads only the files it has not seen before.
func (mb *Mailbox) IDs() ([]ID, error) {
	d, err := os.Open(mb.dir)
	if err != nil {
		return nil, fmt.Errorf("queue: list mailbox: %w", fileErr("read folder", mb.dir, err))
	}
	entries, err := d.ReadDir(-1) // unsorted, unlike os.ReadDir: sorted once below
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("queue: list mailbox: %w", fileErr("read folder", mb.dir, err))
	}
	ids := make([]ID, 0, len(entries))
	for _, de := range entries {
		id, ext, ok := splitName(de.Name())
		if ok && ext == extEML && de.Type().IsRegular() {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return ids, nil
}

// Stat returns the size and modification time of message id, or an error
// wrapping ErrNotFound.
func (mb *Mailbox) Stat(id ID) (int64, time.Time, error) {
	if !id.Valid() {
		return 0, time.Time{}, fmt.Errorf("%w: %q", ErrBadID, id)
	}
	info, err := os.Stat(filepath.Join(mb.dir, emlName(id)))
	if isNotExist(err) {
		return 0, time.Time{}, fmt.Errorf("queue: stat %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, time.Time{}, fileErr("stat", filepath.Join(mb.dir, emlName(id)), err)
	}
	return info.Size(), info.ModTime(), nil
}

// ModTime returns the modification time of the mailbox folder, which
// changes when a message arrives or goes: a cheap "did anything change"
// for a viewer that polls.
func (mb *Mailbox) ModTime() (time.Time, error) {
	info, err := os.Stat(mb.dir)
	if err != nil {
		return time.Time{}, fileErr("stat", mb.dir, err)
	}
	return info.ModTime(), nil
}

// DeleteAll removes the messages ids (those already gone are no error) and
// syncs the folder once at the end.
func (mb *Mailbox) DeleteAll(ids []ID) error {
	for _, id := range ids {
		if !id.Valid() {
			return fmt.Errorf("%w: %q", ErrBadID, id)
		}
		p := filepath.Join(mb.dir, emlName(id))
		if err := os.Remove(p); err != nil && !isNotExist(err) {
			_ = mb.t.syncDir(mb.dir)
			return fmt.Errorf("queue: delete %s: %w", id, fileErr("remove", p, err))
		}
	}
	return mb.t.syncDir(mb.dir)
}

// indexPath is the cache file of the mailbox: <root>/.index/<addr>.idx.
func (mb *Mailbox) indexPath() string {
	root, name := filepath.Split(mb.dir)
	return filepath.Join(root, indexDir, name+".idx")
}

// OpenIndex opens the mailbox's cache file for reading; an error wrapping
// ErrNotFound if there is none. What the file holds is the viewer's
// business: it is a cache, rebuilt from the messages when missing or stale,
// never a record of anything.
func (mb *Mailbox) OpenIndex() (*os.File, error) {
	p := mb.indexPath()
	f, err := os.Open(p)
	if isNotExist(err) {
		return nil, fmt.Errorf("queue: index: %w", ErrNotFound)
	}
	return f, fileErr("open", p, err)
}

// WriteIndex replaces the mailbox's cache file with what fill writes,
// atomically (a temporary file renamed over the old one), so a reader sees
// the old file or the new one, never a mix.
func (mb *Mailbox) WriteIndex(fill func(w io.Writer) error) error {
	p := mb.indexPath()
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fileErr("mkdir", dir, err)
	}
	w := osfile.Writer{Prefix: tempPrefix + "index.", Sync: osfile.NoSync} // a cache: no syncs
	if err := w.Fill(p, fileMode, fill); err != nil {
		return fmt.Errorf("queue: write index: %w", fileErr("write", p, err))
	}
	return nil
}

// ModTime returns the modification time of folder f, which changes when a
// set arrives or goes: a viewer polls it to refresh its counts.
func (t *Tree) ModTime(f Folder) (time.Time, error) {
	dir, err := t.dir(f)
	if err != nil {
		return time.Time{}, err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return time.Time{}, fileErr("stat", dir, err)
	}
	return info.ModTime(), nil
}

// RootModTimes returns the modification times of the users root and the
// unknown root, which change when a mailbox folder is created or removed.
func (t *Tree) RootModTimes() [2]time.Time {
	var out [2]time.Time
	for i, d := range []string{t.users, t.unknown} {
		if info, err := os.Stat(d); err == nil {
			out[i] = info.ModTime()
		}
	}
	return out
}
