package osfile

import (
	"errors"
	"io/fs"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/windows"
)

// EOL ends the lines of a new text file: CRLF here, LF elsewhere.
const EOL = "\r\n"

// Lock takes an exclusive LockFileEx lock on path, creating it if needed,
// and returns the function that releases it. The lock belongs to the handle,
// so it also excludes other goroutines of this process, and Windows drops it
// when the process dies.
func Lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	h := windows.Handle(f.Fd())
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ol); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = windows.UnlockFileEx(h, 0, 1, 0, ol)
		f.Close()
	}, nil
}

// Rename renames from to to, replacing to, and retries for a few seconds
// while another program (an editor, an indexer, antivirus) holds the target
// open: that is temporary (DURABILITY.md rule 14). MOVEFILE_WRITE_THROUGH
// flushes the rename before it returns, as a folder cannot be synced here.
func Rename(from, to string) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return retry(func() error {
		if err := windows.MoveFileEx(f, t, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH); err != nil {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
		}
		return nil
	}, windows.ERROR_SHARING_VIOLATION, windows.ERROR_ACCESS_DENIED)
}

// Retry runs op, an open, rename or remove of a small file, again for a few
// seconds while it fails with a sharing violation: another process has the
// file open without sharing that access (a reader of a lock file, a delete
// in progress, an indexer), which lasts a moment (DURABILITY.md rule 14).
// POSIX systems have no such conflict.
func Retry(op func() error) error {
	return retry(op, windows.ERROR_SHARING_VIOLATION)
}

// retry runs op up to 40 times, 50ms apart, while it fails with one of codes.
func retry(op func() error, codes ...windows.Errno) error {
	var err error
	for range 40 {
		if err = op(); err == nil || !slices.ContainsFunc(codes, func(c windows.Errno) bool { return errors.Is(err, c) }) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// SyncDir does nothing: Windows cannot sync a folder, and NTFS journals its
// metadata (DURABILITY.md rule 14).
func SyncDir(string) error { return nil }

// keepOwner does nothing: a new file inherits the folder's ACL.
func keepOwner(*os.File, fs.FileInfo) {}
