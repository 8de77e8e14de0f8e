package queue

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Draft is an incoming message being written: an io.Writer for the bytes
// of the .eml, streamed through a 64 KB buffer into a temporary file, so a
// large message is never held in memory. Commit makes it a committed set;
// Abort throws it away. A Draft is not safe for concurrent use.
type Draft struct {
	t       *Tree
	dir     string
	id      ID
	emlTmp  string // ~<id>.eml.tmp: the reservation of id (DURABILITY rule 4)
	authTmp string // ~<id>.auth.tmp
	f       tempFile
	w       *bufio.Writer
	n       int64
	err     error // sticky: the first failure, final (rule 5)
	done    bool  // committed or aborted
	mailbox bool  // a NewMailboxDraft: Commit files it into the mailbox (capture.go)
}

var errDraftDone = errors.New("queue: draft already committed or aborted")

// NewDraft reserves a fresh id in folder f and opens its temporary file.
//
// The id is reserved by creating ~<id>.eml.tmp with O_CREATE|O_EXCL, which
// only one writer in any process can do; an id whose set is already
// committed there is skipped. Together with the no-replace renames of
// Commit, no two messages ever share a name (DURABILITY rule 4).
func (t *Tree) NewDraft(f Folder) (*Draft, error) {
	dir, err := t.dir(f)
	if err != nil {
		return nil, err
	}
	for range 1000 {
		id := t.newID(t.now())
		tmp := reservePath(dir, id, extEML)
		file, err := t.create(tmp)
		if isExist(err) {
			continue // another draft holds this id: draw again
		}
		if err != nil {
			return nil, fmt.Errorf("queue: new draft: %w", fileErr("create", tmp, err))
		}
		if exists(filepath.Join(dir, emlName(id))) || exists(filepath.Join(dir, authName(id))) {
			_ = file.Close()
			_ = os.Remove(tmp)
			continue // taken by a committed or moved-in set: draw again
		}
		return &Draft{
			t: t, dir: dir, id: id, f: file,
			emlTmp:  tmp,
			authTmp: reservePath(dir, id, extAuth),
			w:       newDraftWriter(file),
		}, nil
	}
	return nil, fmt.Errorf("queue: new draft in %s: no free id after 1000 tries", f)
}

func newDraftWriter(f tempFile) *bufio.Writer { return bufio.NewWriterSize(f, bufSize) }

// ID returns the draft's id, for the Received header and the 250 reply.
func (d *Draft) ID() ID { return d.id }

// Size returns the number of bytes written so far.
func (d *Draft) Size() int64 { return d.n }

// Write appends p to the message. After a failure every call returns the
// same error, and the temporary file is already gone (DURABILITY rule 5).
func (d *Draft) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.done {
		return 0, errDraftDone
	}
	n, err := d.w.Write(p)
	d.n += int64(n)
	if err != nil {
		return n, d.fail(fileErr("write", d.emlTmp, err))
	}
	return n, nil
}

// Commit makes the draft a committed set; only after it returns nil may
// the SMTP server answer 250 (DURABILITY rule 1, RFC 5321 section 6.1). It
// fills in env.ID and env.Size, and env.Received (now), env.Tracking and
// recipient numbers if they are unset.
//
// The order: flush, sync and close the .eml temporary; write, sync and
// close the .auth temporary; rename the .eml (still invisible alone); rename
// the .auth, the commit mark (rule 2); sync the folder. Any failure removes
// what was written and is final (rule 5); errors.Is(err, ErrNoSpace) and
// errors.Is(err, ErrTooBig) select 452 4.3.1 and 552 5.3.4, anything else is
// 451 4.3.0.
func (d *Draft) Commit(env *Envelope) error {
	if d.err != nil {
		return d.err
	}
	if d.done {
		return errDraftDone
	}
	if env == nil {
		return d.fail(errors.New("no envelope"))
	}
	if d.mailbox {
		return d.commitMailbox(env) // capture.go
	}
	if err := d.closeEML(); err != nil {
		return d.fail(err)
	}
	env.ID, env.Size = d.id, d.n
	if env.Received.IsZero() {
		env.Received = d.t.now().UTC().Round(0)
	}
	if env.Tracking == "" {
		env.Tracking = NewTrackingID()
	}
	env.number()
	data, err := env.MarshalText()
	if err != nil {
		return d.fail(err)
	}
	fill := func(w io.Writer) error { _, err := w.Write(data); return err }
	err = d.t.writeFile(d.authTmp, fill)
	if errors.Is(err, errTaken) { // left by a crashed holder of this id
		_ = os.Remove(d.authTmp)
		err = d.t.writeFile(d.authTmp, fill)
	}
	if err != nil {
		return d.fail(err)
	}
	d.t.step("commit:synced")
	return d.install()
}

// closeEML flushes, syncs and closes the .eml temporary (rule 1).
func (d *Draft) closeEML() error {
	err := fileErr("write", d.emlTmp, d.w.Flush())
	if err == nil {
		err = fileErr("sync", d.emlTmp, d.t.syncFile(d.f, d.emlTmp)) // rule 2: the .eml is durable before the .auth exists
	}
	if cerr := d.f.Close(); err == nil {
		err = fileErr("close", d.emlTmp, cerr)
	}
	d.f = nil
	return err
}

// install renames both temporaries into place and syncs the folder.
func (d *Draft) install() error {
	eml := filepath.Join(d.dir, emlName(d.id))
	auth := filepath.Join(d.dir, authName(d.id))
	// Never onto an existing name (rule 4): a set moved in with this id
	// since NewDraft makes this fail, and the client tries again later.
	if err := renameNoReplace(d.emlTmp, eml); err != nil {
		return d.fail(fileErr("rename", eml, err))
	}
	d.t.step("commit:eml")
	if err := renameNoReplace(d.authTmp, auth); err != nil { // rule 2: the commit mark, last
		_ = os.Remove(eml) // ours: the rename above did not replace anything
		return d.fail(fileErr("rename", auth, err))
	}
	d.t.step("commit:auth")
	if err := d.t.syncDir(d.dir); err != nil { // rule 1: the names survive a power cut
		// Not durable, so not accepted: take the set back (rule 5). If an
		// agent already took it, the client's retry makes a duplicate,
		// never a loss.
		_ = os.Remove(auth)
		_ = os.Remove(eml)
		return d.fail(err)
	}
	d.t.step("commit:done")
	d.done = true
	return nil
}

// fail records err as final, removes the temporary files and returns err.
func (d *Draft) fail(err error) error {
	d.err = fmt.Errorf("queue: commit %s: %w", d.id, err)
	d.cleanup()
	return d.err
}

// Abort removes the draft's temporary files. It is idempotent, safe after a
// failed Commit and a no-op after a successful one. The SMTP server calls
// it when DATA fails, times out (DURABILITY rule 12) or the client leaves.
func (d *Draft) Abort() error {
	if d.done {
		return nil
	}
	if d.err == nil {
		d.err = errDraftDone
	}
	return d.cleanup()
}

// cleanup closes the temporary file if open and removes both temporaries:
// the .auth's first, then the .eml's, which reserves the id (rule 4). In
// the other order a draft that drew the id in between could lose its own
// .auth temporary to this removal.
func (d *Draft) cleanup() error {
	d.done = true
	if d.f != nil {
		_ = d.f.Close()
		d.f = nil
	}
	var errs []error
	for _, p := range []string{d.authTmp, d.emlTmp} {
		if err := os.Remove(p); err != nil && !isNotExist(err) {
			errs = append(errs, fileErr("remove", p, err))
		}
	}
	return errors.Join(errs...)
}
