//go:build !windows

package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// removeStale removes the stale lock file whose content was stale. It renames
// the file aside first, because a rename succeeds for only one of several
// racing processes, and checks that what it moved is the stale file. If a
// live lock was created in between and moved by mistake, it is linked back,
// never over a newer file.
func removeStale(path string, stale []byte) error {
	aside := fmt.Sprintf("%s.%s.stale", path, randomHex(6))
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("lockfile: move stale %s aside: %w", path, err)
	}
	moved, err := os.ReadFile(aside)
	if err == nil && bytes.Equal(moved, stale) {
		_ = os.Remove(aside)
		return nil
	}
	putBack(aside, path)
	return nil
}

// putBack returns a wrongly moved live lock file to path unless another file
// is already there; in that case its owner sees its lock Gone and stops.
func putBack(aside, path string) {
	err := os.Link(aside, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links on this file system (FAT, some shares): a rename
		// after a check leaves only a tiny window.
		if _, serr := os.Lstat(path); errors.Is(serr, fs.ErrNotExist) {
			if os.Rename(aside, path) == nil {
				return
			}
		}
	}
	_ = os.Remove(aside)
}
