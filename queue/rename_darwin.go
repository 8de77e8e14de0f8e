package queue

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames oldpath to newpath and fails with an error
// matching fs.ErrExist if newpath exists, atomically: os.Rename would
// silently replace it (DURABILITY rule 4).
func renameNoReplace(oldpath, newpath string) error {
	err := unix.RenamexNp(oldpath, newpath, unix.RENAME_EXCL)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EINVAL) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	err = linkNoReplace(oldpath, newpath)
	if err != nil && noLinks(err) {
		return statNoReplace(oldpath, newpath)
	}
	return err
}
