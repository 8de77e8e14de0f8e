package queue

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// WriteSet creates the committed set env.ID in folder f with body as its
// .eml, by the protocol of Commit (DURABILITY rules 1 and 2). The MDA uses it
// to split off external recipients, the MXA for per-recipient retry copies
// (ids from ID.Derive) and for bounces (ids from NewID).
//
// env.ID must be set; env.Size is set to the bytes written, and env.Tracking,
// env.Received and recipient numbers are filled in if unset. If a committed
// set env.ID is already in f, WriteSet writes nothing and returns an error
// wrapping ErrExists: a replayed step is then a no-op (rule 7). Only one
// writer may write a given id at a time; ids are unique, so that holds.
func (t *Tree) WriteSet(f Folder, env *Envelope, body io.Reader) error {
	if env == nil {
		return errNoEnvelope
	}
	dir, err := t.setDir(f, env.ID)
	if err != nil {
		return err
	}
	wrap := func(err error) error { return wrapErr(err, "queue: write %s to %s", env.ID, f) }
	if exists(filepath.Join(dir, authName(env.ID))) {
		return wrap(ErrExists)
	}
	var n int64
	emlTmp, err := t.writeTemp(dir, string(env.ID), func(w io.Writer) error {
		var err error
		n, err = io.Copy(w, source{body, "message body"})
		return err
	})
	if err != nil {
		return wrap(err)
	}
	env.Size = n
	if env.Received.IsZero() {
		env.Received = t.now().UTC().Round(0)
	}
	if env.Tracking == "" {
		env.Tracking = NewTrackingID()
	}
	env.number()
	data, err := env.MarshalText()
	var authTmp string
	if err == nil {
		authTmp, err = t.writeTemp(dir, string(env.ID), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	if err != nil {
		_ = os.Remove(emlTmp)
		return wrap(err)
	}
	t.step("writeset:synced")
	if err := t.installSet(env.ID, dir, emlTmp, authTmp); err != nil {
		return wrap(err)
	}
	return nil
}

var errNoEnvelope = errors.New("queue: no envelope")

// installSet renames the synced temporaries of a set into place, .eml
// first and .auth last (rule 2), then syncs the folder.
func (t *Tree) installSet(id ID, dir, emlTmp, authTmp string) error {
	eml, auth := filepath.Join(dir, emlName(id)), filepath.Join(dir, authName(id))
	err := renameNoReplace(emlTmp, eml)
	if isExist(err) && !exists(auth) && !t.inMove(id, dir) {
		// An uncommitted .eml with this id is what a crashed earlier
		// attempt of this same write left: replace it.
		_ = os.Remove(eml)
		err = renameNoReplace(emlTmp, eml)
	}
	if err != nil {
		_ = os.Remove(emlTmp)
		_ = os.Remove(authTmp)
		if isExist(err) && exists(auth) {
			return ErrExists
		}
		return fileErr("rename", eml, err)
	}
	t.step("writeset:eml")
	if err := renameNoReplace(authTmp, auth); err != nil {
		_ = os.Remove(authTmp)
		if isExist(err) {
			return ErrExists
		}
		return fileErr("rename", auth, err)
	}
	t.step("writeset:auth")
	return t.syncDir(dir)
}

// inMove reports whether some queue folder other than dir holds <id>.auth
// without its .eml: a move interrupted after its first rename, whose .eml
// may be the one in dir.
func (t *Tree) inMove(id ID, dir string) bool {
	for _, d := range t.dirs {
		if d != dir && exists(filepath.Join(d, authName(id))) && !exists(filepath.Join(d, emlName(id))) {
			return true
		}
	}
	return false
}

// UpdateEnvelope atomically replaces the .auth of the committed set env.ID
// in f: temporary file, sync, rename over the old one, sync the folder. The
// MXA records each recipient's progress this way before going on
// (DURABILITY rule 9). The set stays committed throughout.
func (t *Tree) UpdateEnvelope(f Folder, env *Envelope) error {
	if env == nil {
		return errNoEnvelope
	}
	dir, err := t.setDir(f, env.ID)
	if err != nil {
		return err
	}
	wrap := func(err error) error { return wrapErr(err, "queue: update envelope %s in %s", env.ID, f) }
	auth := filepath.Join(dir, authName(env.ID))
	if !exists(auth) {
		return wrap(ErrNotFound)
	}
	env.number()
	data, err := env.MarshalText()
	if err != nil {
		return wrap(err)
	}
	if err := t.replace(auth, string(env.ID), data); err != nil {
		return wrap(err)
	}
	return nil
}

// Remove deletes the set id from f: the .auth first, which uncommits it,
// then the .eml, then syncs the folder. Removing a set that is not there is
// not an error, so a replay is harmless. A set whose .eml is missing is
// half way through a move and is left alone (DURABILITY rule 13).
func (t *Tree) Remove(f Folder, id ID) error {
	dir, err := t.setDir(f, id)
	if err != nil {
		return err
	}
	eml, auth := filepath.Join(dir, emlName(id)), filepath.Join(dir, authName(id))
	if exists(auth) && !exists(eml) {
		return fmt.Errorf("queue: remove %s from %s: .eml missing, set in the middle of a move: %w", id, f, ErrNotFound)
	}
	for _, p := range []string{auth, eml} {
		if err := os.Remove(p); err != nil && !isNotExist(err) {
			return fmt.Errorf("queue: remove %s from %s: %w", id, f, fileErr("remove", p, err))
		}
	}
	if err := t.syncDir(dir); err != nil {
		return fmt.Errorf("queue: remove %s from %s: %w", id, f, err)
	}
	return nil
}

// Quarantine moves whatever files of set id are in f (.eml, .auth) into
// bad/ and writes <id>.why there with reason. It is for sets that cannot be
// read or acted on: they are never retried and never crash anyone. A name
// already taken in bad/ gets a number (<id>.1.eml), so nothing there is ever
// replaced, except the .why note, which the latest reason replaces.
func (t *Tree) Quarantine(f Folder, id ID, reason string) error {
	src, err := t.setDir(f, id)
	if err != nil {
		return err
	}
	wrap := func(err error) error { return wrapErr(err, "queue: quarantine %s from %s", id, f) }
	if f == Bad {
		return wrap(errors.New("already in bad"))
	}
	bad := t.dirs[Bad]
	eml, auth := filepath.Join(src, emlName(id)), filepath.Join(src, authName(id))
	if !exists(eml) && !exists(auth) {
		return wrap(ErrNotFound)
	}
	if err := t.writeWhy(id, f, reason); err != nil {
		return wrap(err)
	}
	for _, p := range []string{eml, auth} { // .auth last: it uncommits (rule 2)
		if !exists(p) {
			continue
		}
		if err := t.moveFile(p, freeName(bad, filepath.Base(p))); err != nil {
			return wrap(err)
		}
		t.step("quarantine:moved")
	}
	if err := t.syncDir(bad); err != nil {
		return wrap(err)
	}
	if err := t.syncDir(src); err != nil {
		return wrap(err)
	}
	return nil
}

// writeWhy writes bad/<id>.why durably, replacing an older note.
func (t *Tree) writeWhy(id ID, f Folder, reason string) error {
	bad := t.dirs[Bad]
	note := "id: " + string(id) + "\nfolder: " + f.String() +
		"\ntime: " + t.now().UTC().Format(time.RFC3339) + "\nreason: " + reason + "\n"
	return t.replace(filepath.Join(bad, string(id)+"."+extWhy), string(id), []byte(note))
}

// freeName returns dir/name, or dir/<id>.<n>.<ext> for the first free n if
// that is taken.
func freeName(dir, name string) string {
	p := filepath.Join(dir, name)
	if !exists(p) {
		return p
	}
	id, ext, _ := splitName(name)
	for n := 1; ; n++ {
		p = filepath.Join(dir, string(id)+"."+strconv.Itoa(n)+"."+ext)
		if !exists(p) {
			return p
		}
	}
}

// moveFile renames src to dst without replacing anything. Across file
// systems it copies to a synced temporary file next to dst, renames that,
// syncs dst's folder and only then removes src (DURABILITY rule 8); after a
// failure src is always still there (rule 13).
func (t *Tree) moveFile(src, dst string) error {
	if !t.forceCopy {
		err := renameNoReplace(src, dst)
		if err == nil || !isCrossDevice(err) {
			return fileErr("rename", dst, err)
		}
	}
	dir := filepath.Dir(dst)
	tmp, err := t.copyTemp(src, dir, filepath.Base(src))
	if err != nil {
		return err
	}
	if err := install(tmp, dst); err != nil {
		return err
	}
	if err := t.syncDir(dir); err != nil {
		return err
	}
	t.step("movefile:copied")
	return fileErr("remove", src, os.Remove(src))
}
