//go:build unix

package queue

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// isNoSpace reports a full disk or an exhausted quota (DURABILITY rule 5: 452 4.3.1).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isTooBig reports a file larger than the file system allows (rule 5: 552 5.3.4).
func isTooBig(err error) bool { return errors.Is(err, syscall.EFBIG) }

// isCrossDevice reports a rename between two file systems (DURABILITY rule 8).
func isCrossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

// linkNoReplace is the portable no-replace rename: link(2) fails with EEXIST
// when newpath exists, atomically (DURABILITY rule 4). Once the link exists
// the rename has happened; a failure to remove oldpath only leaves a second
// name, which is a temporary name (removed by Recover) or the source of a
// move (quarantined by Recover as a copy of a committed set), so it is not
// reported.
func linkNoReplace(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	_ = os.Remove(oldpath)
	return nil
}

// statNoReplace is the last resort on file systems without hard links (FAT,
// some network file systems): check, then rename. The check is racy against
// a foreign writer, but the O_EXCL reservation of ids (rule 4) means no mailq
// writer races for the same name.
func statNoReplace(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); err == nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: os.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}

// noLinks reports the errors link(2) gives on file systems without hard links.
func noLinks(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.ENOTSUP) ||
		errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) ||
		errors.Is(err, syscall.EMLINK)
}

// fileSizeAt returns the length of the file name in the open folder d,
// without following a symbolic link: fstatat(2) relative to the folder, so
// listing a mailbox of ten thousand messages does not walk the folder's
// path ten thousand times.
func fileSizeAt(d *os.File, name string) (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(int(d.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, &os.PathError{Op: "lstat", Path: name, Err: err}
	}
	return st.Size, nil
}
