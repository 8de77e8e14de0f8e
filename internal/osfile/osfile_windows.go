package osfile

import (
	"errors"
	"os"
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
// open: that is temporary (DURABILITY.md rule 14).
func Rename(from, to string) error {
	var err error
	for range 40 {
		err = os.Rename(from, to)
		if !errors.Is(err, windows.ERROR_SHARING_VIOLATION) && !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

// SyncDir does nothing: Windows cannot sync a folder, and NTFS journals its
// metadata (DURABILITY.md rule 14).
func SyncDir(string) error { return nil }
