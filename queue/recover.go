package queue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Action says what Recover did to a file.
type Action string

// The repairs Recover makes.
const (
	RemovedTemp  Action = "removed temporary file"
	FinishedMove Action = "finished interrupted move"
	UndidMove    Action = "undid unfinished cross-device move"
	RemovedCopy  Action = "removed leftover copy"
	Quarantined  Action = "quarantined"
)

// Repair is one thing Recover did, for the caller to log with its file name
// (DURABILITY rule 10). Recover itself never logs or prints.
type Repair struct {
	Path   string // the file acted on
	Action Action
	Reason string
}

// Recover repairs the tree at start (DURABILITY rule 10). It only touches
// files last modified more than olderThan ago (the longest possible
// session; 0 means all), so it is safe while the POP3 instance serves
// mailboxes and while drop programs write slowly. In the queue folders:
//
//   - temporary files are removed;
//   - a half-done move is finished: an .auth whose .eml sits (uncommitted)
//     in another folder follows its .eml (rule 7); an <id>.out marker of a
//     cross-device move is completed if the set is committed elsewhere, and
//     undone (renamed back to <id>.auth) if not;
//   - an .eml with no .auth, never acknowledged, goes to bad/ (it may be a
//     drop program's unfinished file, so only old ones), unless it is an
//     identical leftover copy of a set committed elsewhere: that is removed;
//   - an .auth with no .eml anywhere goes to bad/;
//   - a set in queue, external or retry whose .auth is torn or malformed
//     goes to bad/.
//
// In mailboxes (and their deleted folders) it only removes old temporary
// files; a live session's are younger than olderThan, and the POP3 lock
// file is never touched. Recover must run in the instance that owns the
// queue folders, before its agents start. It is idempotent: a second run
// finds nothing to do. It goes on after a failed repair and returns every
// error joined, with the repairs it made.
func (t *Tree) Recover(olderThan time.Duration) ([]Repair, error) {
	r := &recovery{t: t, cutoff: t.now().Add(-olderThan), all: olderThan <= 0}
	sets := r.scan()
	ids := make([]ID, 0, len(sets))
	for id := range sets {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareIDs)
	for _, id := range ids {
		r.settle(id, sets[id])
	}
	for _, root := range []string{t.users, t.unknown} {
		r.mailboxes(root)
	}
	return r.repairs, errors.Join(r.errs...)
}

// files says which files of one id are in each queue folder.
type files struct {
	eml, auth, out [numFolders]bool
	young          [numFolders]bool // some file of the id there is too recent to touch
}

type recovery struct {
	t       *Tree
	cutoff  time.Time
	all     bool // olderThan <= 0: every file is old enough
	repairs []Repair
	errs    []error
}

func (r *recovery) report(path string, a Action, reason string) {
	r.repairs = append(r.repairs, Repair{Path: path, Action: a, Reason: reason})
}

func (r *recovery) fail(err error) {
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("queue: recover: %w", err))
	}
}

func (r *recovery) old(info os.FileInfo) bool {
	return r.all || info.ModTime().Before(r.cutoff)
}

// scan indexes every queue folder by id, removing old temporary files.
func (r *recovery) scan() map[ID]*files {
	sets := make(map[ID]*files)
	for f := range numFolders {
		dir := r.t.dirs[f]
		entries, err := os.ReadDir(dir)
		if err != nil {
			r.fail(fileErr("read folder", dir, err))
			continue
		}
		for _, de := range entries {
			if !de.Type().IsRegular() {
				continue
			}
			info, err := de.Info()
			if err != nil {
				continue // gone since the folder was read
			}
			if isTempName(de.Name()) {
				r.removeTemp(filepath.Join(dir, de.Name()), info)
				continue
			}
			id, ext, ok := splitName(de.Name())
			if !ok || (ext != extEML && ext != extAuth && ext != extOut) {
				continue
			}
			s := sets[id]
			if s == nil {
				s = new(files)
				sets[id] = s
			}
			s.eml[f] = s.eml[f] || ext == extEML
			s.auth[f] = s.auth[f] || ext == extAuth
			s.out[f] = s.out[f] || ext == extOut
			s.young[f] = s.young[f] || !r.old(info)
		}
	}
	return sets
}

func (r *recovery) removeTemp(path string, info os.FileInfo) {
	if !r.old(info) {
		return
	}
	if err := os.Remove(path); err != nil && !isNotExist(err) {
		r.fail(fileErr("remove", path, err))
		return
	}
	r.report(path, RemovedTemp, "left by an interrupted write")
}

// settle repairs the files of one id, in the order of the doc comment of
// Recover, updating s as it goes.
func (r *recovery) settle(id ID, s *files) {
	for f := range numFolders {
		if s.young[f] {
			return // something is still happening to this id: leave it all
		}
	}
	for f := range numFolders {
		if s.out[f] {
			r.settleOut(id, f, s)
		}
	}
	for f := range numFolders {
		if s.auth[f] && !s.eml[f] && f != Bad {
			r.settleAuth(id, f, s)
		}
	}
	for f := range numFolders {
		if s.eml[f] && !s.auth[f] && f != Bad {
			r.settleEML(id, f, s)
		}
	}
	for _, f := range []Folder{Incoming, External, Retry} {
		if s.eml[f] && s.auth[f] {
			r.checkEnvelope(id, f, s)
		}
	}
}

// settleOut finishes or undoes an interrupted cross-device move (move.go).
func (r *recovery) settleOut(id ID, f Folder, s *files) {
	dir := r.t.dirs[f]
	out := filepath.Join(dir, outName(id))
	if c := complete(s, f); c >= 0 {
		if err := r.t.dropSource(id, dir); err != nil {
			r.fail(err)
			return
		}
		s.out[f], s.eml[f] = false, false
		r.report(out, FinishedMove, "the set is committed in "+c.String())
		return
	}
	auth := filepath.Join(dir, authName(id))
	if err := renameNoReplace(out, auth); err != nil {
		r.fail(fileErr("rename", auth, err))
		return
	}
	r.fail(r.t.syncDir(dir))
	s.out[f], s.auth[f] = false, true
	r.report(out, UndidMove, "the set was not yet committed at its destination")
}

// settleAuth handles an .auth whose .eml is not beside it.
func (r *recovery) settleAuth(id ID, f Folder, s *files) {
	src := filepath.Join(r.t.dirs[f], authName(id))
	var to []Folder
	for g := range numFolders {
		if g != f && s.eml[g] && !s.auth[g] {
			to = append(to, g)
		}
	}
	if len(to) != 1 {
		r.quarantine(id, f, s, "envelope without its message")
		return
	}
	g := to[0]
	dst := filepath.Join(r.t.dirs[g], authName(id))
	if err := r.t.moveFile(src, dst); err != nil {
		r.fail(err)
		return
	}
	r.fail(r.t.syncDir(r.t.dirs[g]))
	r.fail(r.t.syncDir(r.t.dirs[f]))
	s.auth[f], s.auth[g] = false, true
	r.report(src, FinishedMove, "its message was already in "+g.String())
}

// settleEML handles an .eml without its .auth: never committed.
func (r *recovery) settleEML(id ID, f Folder, s *files) {
	p := filepath.Join(r.t.dirs[f], emlName(id))
	c := complete(s, f)
	if c < 0 {
		r.quarantine(id, f, s, "message without envelope: never committed, or already filed when its removal was cut short (check the mailboxes before re-queueing it)")
		return
	}
	same, err := sameContent(p, filepath.Join(r.t.dirs[c], emlName(id)))
	if err != nil {
		r.fail(err)
		return
	}
	if !same {
		r.quarantine(id, f, s, "uncommitted message differing from the set committed in "+c.String())
		return
	}
	if err := os.Remove(p); err != nil {
		r.fail(fileErr("remove", p, err))
		return
	}
	r.fail(r.t.syncDir(r.t.dirs[f]))
	s.eml[f] = false
	r.report(p, RemovedCopy, "identical to the set committed in "+c.String())
}

// checkEnvelope quarantines a set whose .auth cannot be parsed (rule 3) or
// names another set.
func (r *recovery) checkEnvelope(id ID, f Folder, s *files) {
	e, _, err := readEnvelope(filepath.Join(r.t.dirs[f], authName(id)))
	if err == nil && e.ID != "" && e.ID != id {
		err = malformed("id line %s does not match the file name", e.ID)
	}
	switch {
	case errors.Is(err, ErrMalformed):
		r.quarantine(id, f, s, err.Error())
	case err != nil && !isNotExist(err):
		r.fail(err)
	}
}

func (r *recovery) quarantine(id ID, f Folder, s *files, reason string) {
	if err := r.t.Quarantine(f, id, reason); err != nil {
		r.fail(err)
		return
	}
	for _, ext := range []string{extEML, extAuth} {
		if ext == extEML && s.eml[f] || ext == extAuth && s.auth[f] {
			r.report(filepath.Join(r.t.dirs[f], string(id)+"."+ext), Quarantined, reason)
		}
	}
	s.eml[f], s.auth[f] = false, false
}

// complete returns a folder other than f holding the whole set, or -1.
func complete(s *files, f Folder) Folder {
	for g := range numFolders {
		if g != f && s.eml[g] && s.auth[g] {
			return g
		}
	}
	return -1
}

// mailboxes removes old temporary files from every mailbox under root and
// from their deleted folders.
func (r *recovery) mailboxes(root string) {
	boxes, err := os.ReadDir(root)
	if err != nil {
		r.fail(fileErr("read folder", root, err))
		return
	}
	for _, b := range boxes {
		if !b.IsDir() {
			continue
		}
		dir := filepath.Join(root, b.Name())
		for _, d := range []string{dir, filepath.Join(dir, deletedDir)} {
			entries, err := os.ReadDir(d)
			if err != nil {
				continue // no deleted folder, or the mailbox just went
			}
			for _, de := range entries {
				if !isTempName(de.Name()) || !de.Type().IsRegular() {
					continue
				}
				if info, err := de.Info(); err == nil {
					r.removeTemp(filepath.Join(d, de.Name()), info)
				}
			}
		}
	}
}

// sameContent reports whether two files hold the same bytes.
func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, fileErr("open", a, err)
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, fileErr("open", b, err)
	}
	defer fb.Close()
	ba, bb := make([]byte, bufSize), make([]byte, bufSize)
	for {
		na, erra := io.ReadFull(fa, ba)
		nb, errb := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false, nil
		}
		if erra != nil || errb != nil {
			endA := erra == io.EOF || erra == io.ErrUnexpectedEOF
			endB := errb == io.EOF || errb == io.ErrUnexpectedEOF
			if endA && endB {
				return true, nil
			}
			if !endA && erra != nil {
				return false, fileErr("read", a, erra)
			}
			if !endB && errb != nil {
				return false, fileErr("read", b, errb)
			}
			return false, nil
		}
	}
}
