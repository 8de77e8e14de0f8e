package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Move moves the committed set id from one queue folder to another,
// keeping its name (DURABILITY rule 7). On one file system: rename the .eml
// into the destination (invisible there without its .auth), rename the
// .auth (this commits the destination and uncommits the source in one
// step), then sync both folders.
//
// Move is idempotent: replayed after a crash it finishes a half-done move,
// and a move already done returns nil. It never replaces a committed set:
// if both folders hold one, it returns an error wrapping ErrExists and
// touches nothing (rule 13). Across file systems it copies (see copyMove).
// A Windows sharing violation is a temporary error: retry later (rule 14).
func (t *Tree) Move(id ID, from, to Folder) error {
	src, err := t.setDir(from, id)
	if err != nil {
		return err
	}
	dst, err := t.dir(to)
	if err != nil {
		return err
	}
	wrap := func(err error) error { return wrapErr(err, "queue: move %s from %s to %s", id, from, to) }
	if from == to {
		return wrap(errors.New("same folder"))
	}
	if exists(filepath.Join(src, outName(id))) {
		return wrap(t.copyMove(id, src, dst)) // resume an interrupted cross-device move
	}
	sA, dA := exists(filepath.Join(src, authName(id))), exists(filepath.Join(dst, authName(id)))
	switch {
	case sA && dA:
		return wrap(ErrExists)
	case dA:
		return nil // done before
	case !sA:
		return wrap(ErrNotFound)
	}
	if t.forceCopy && exists(filepath.Join(src, emlName(id))) {
		return wrap(t.copyMove(id, src, dst))
	}
	crossed, err := t.renameMove(id, src, dst)
	if crossed {
		return wrap(t.copyMove(id, src, dst))
	}
	return wrap(err)
}

// renameMove moves a set by two renames. It reports crossed if the folders
// are on different file systems; nothing has changed then.
func (t *Tree) renameMove(id ID, src, dst string) (crossed bool, err error) {
	sE, dE := filepath.Join(src, emlName(id)), filepath.Join(dst, emlName(id))
	if exists(sE) {
		err := renameNoReplace(sE, dE)
		if isExist(err) {
			// An uncommitted .eml with this id in dst is a leftover copy of
			// this set from an interrupted cross-device move: replace it.
			_ = os.Remove(dE)
			err = renameNoReplace(sE, dE)
		}
		if isCrossDevice(err) {
			return true, nil
		}
		if err != nil {
			return false, fileErr("rename", dE, err)
		}
	} else if !exists(dE) {
		return false, fmt.Errorf(".eml missing: %w", ErrNotFound)
	}
	t.step("move:eml")
	dA := filepath.Join(dst, authName(id))
	// Rule 7: this one rename commits dst and uncommits src.
	if err := renameNoReplace(filepath.Join(src, authName(id)), dA); err != nil {
		return false, fileErr("rename", dA, err) // the .eml waits in dst; a replay finishes
	}
	t.step("move:auth")
	if err := t.syncDir(dst); err != nil {
		return false, err
	}
	return false, t.syncDir(src)
}

// copyMove moves a set between file systems (DURABILITY rule 8) without
// ever having it committed in two places or in none:
//
//  1. copy the .eml to a synced temporary in dst, rename it, sync dst;
//  2. rename the source <id>.auth to <id>.out, sync src: the source is no
//     longer committed, and <id>.out records that a move is under way;
//  3. copy <id>.out to a synced temporary in dst, rename it to <id>.auth
//     (dst is committed), sync dst;
//  4. remove <id>.out and the source .eml, sync src.
//
// Replayed with <id>.out present, it resumes at step 3, or at step 4 if
// dst is committed already. Recover settles an <id>.out by itself.
func (t *Tree) copyMove(id ID, src, dst string) error {
	sE, out := filepath.Join(src, emlName(id)), filepath.Join(src, outName(id))
	dE, dA := filepath.Join(dst, emlName(id)), filepath.Join(dst, authName(id))
	if !exists(out) {
		tmp, err := t.copyTemp(sE, dst, emlName(id))
		if err != nil {
			return err
		}
		_ = os.Remove(dE) // an uncommitted leftover of an earlier attempt
		if err := install(tmp, dE); err != nil {
			return err
		}
		if err := t.syncDir(dst); err != nil {
			return err
		}
		t.step("move:copied-eml")
		// Rule 8: uncommit the source before committing the copy, so the
		// set is never committed twice; <id>.out keeps the envelope.
		if err := renameNoReplace(filepath.Join(src, authName(id)), out); err != nil {
			return fileErr("rename", out, err)
		}
		if err := t.syncDir(src); err != nil {
			return err
		}
		t.step("move:out")
	}
	if !exists(dA) {
		if !exists(dE) {
			return fmt.Errorf("copied .eml missing from %s; Recover puts the set back", dst)
		}
		tmp, err := t.copyTemp(out, dst, authName(id))
		if err != nil {
			return err
		}
		if err := install(tmp, dA); err != nil {
			return err
		}
		if err := t.syncDir(dst); err != nil {
			return err
		}
	}
	t.step("move:copied")
	return t.dropSource(id, src)
}

// dropSource removes <id>.out and <id>.eml from src once the set is
// committed elsewhere, and syncs src (step 4 of copyMove).
func (t *Tree) dropSource(id ID, src string) error {
	for _, p := range []string{filepath.Join(src, outName(id)), filepath.Join(src, emlName(id))} {
		if err := os.Remove(p); err != nil && !isNotExist(err) {
			return fileErr("remove", p, err)
		}
	}
	return t.syncDir(src)
}
