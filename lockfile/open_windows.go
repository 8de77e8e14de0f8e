package lockfile

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// openRead opens a lock file for reading and, unlike os.Open, shares delete
// access: readers (an instance checking its lock, /stop reading the owner, a
// rival judging it stale) then never make a take-over's rename or a /stop
// fail with a sharing violation.
func openRead(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// isBusy reports that another process has the file open without sharing
// the access asked for: on a lock file, a rival that is writing it now.
func isBusy(err error) bool { return errors.Is(err, windows.ERROR_SHARING_VIOLATION) }
