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
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if err == nil {
		return nil
	}
	// Kernels before 3.15 and some file systems do not know the flag.
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	err = linkNoReplace(oldpath, newpath)
	if err != nil && noLinks(err) {
		return statNoReplace(oldpath, newpath)
	}
	return err
}
