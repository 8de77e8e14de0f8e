package queue

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// isNoSpace reports a full disk or an exhausted quota (DURABILITY rule 5: 452 4.3.1).
func isNoSpace(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) ||
		errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED)
}

// isTooBig reports a file larger than the file system allows (rule 5: 552 5.3.4).
func isTooBig(err error) bool { return errors.Is(err, windows.ERROR_FILE_TOO_LARGE) }

// isCrossDevice reports a move between two volumes (DURABILITY rule 8).
func isCrossDevice(err error) bool { return errors.Is(err, windows.ERROR_NOT_SAME_DEVICE) }

// moveFile calls MoveFileEx with MOVEFILE_WRITE_THROUGH: a folder cannot be
// synced on Windows (DURABILITY rule 14), so the move itself is flushed
// before it returns. A sharing violation (an antivirus or indexer holding
// the file) comes back as a *FileError whose Temporary is true: the caller
// retries later and never deletes anything because of it (rule 14).
func moveFile(oldpath, newpath string, flags uint32) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(newpath)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(from, to, flags|windows.MOVEFILE_WRITE_THROUGH); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// renameNoReplace renames oldpath to newpath and fails with an error
// matching fs.ErrExist (ERROR_ALREADY_EXISTS) if newpath exists: without
// MOVEFILE_REPLACE_EXISTING, MoveFileEx refuses atomically (DURABILITY rule 4).
func renameNoReplace(oldpath, newpath string) error {
	return moveFile(oldpath, newpath, 0)
}

// fileSizeAt returns the length of the file name in the open folder d,
// without following a link.
func fileSizeAt(d *os.File, name string) (int64, error) {
	info, err := os.Lstat(filepath.Join(d.Name(), name))
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}
