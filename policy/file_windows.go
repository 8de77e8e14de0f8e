package policy

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// defaultEOL ends the lines of a file that has none yet.
const defaultEOL = "\r\n"

// lockFile takes an exclusive LockFileEx lock on path, creating it if
// needed, and returns the function that releases it. The lock belongs to the
// handle, so it also excludes other goroutines of this process, and Windows
// drops it when the process dies.
func lockFile(path string) (func(), error) {
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

// rename retries for a few seconds while another program (an editor with
// ipblock.txt open, an indexer, antivirus) holds the target: that is
// temporary (DURABILITY.md rule 14).
func rename(from, to string) error {
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

// syncDir does nothing: Windows cannot sync a folder, and NTFS journals its
// metadata (DURABILITY.md rule 14).
func syncDir(string) error { return nil }
