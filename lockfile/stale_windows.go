package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// takeOverOffset is the byte a taker locks (with LockFileEx) in the stale
// file: far beyond its end, so the lock never blocks anyone reading it
// (Windows byte-range locks are mandatory).
const takeOverOffset = 1 << 62

// removeStale removes the lock file at path if it is still the stale one
// whose content was stale. Rivals that judged the same file stale take
// turns: each opens it and locks one byte of it, then checks, under that
// lock, that it is still the file at path and still holds the stale
// content, and only then moves it aside and deletes it. A rival that comes
// second finds another file at path (or none) and looks again, so it never
// moves a live lock; the POSIX version moves first and puts back, which
// leaves a window in which a third process can create a lock. Reads share
// delete access (openRead), so only a rival creating its lock this moment
// (sharing violation) stops the move, and then the caller looks again too.
func removeStale(path string, stale []byte) error {
	f, err := openRead(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lockfile: take over %s: %w", path, err)
	}
	defer f.Close()
	h := windows.Handle(f.Fd())
	ol := &windows.Overlapped{OffsetHigh: takeOverOffset >> 32}
	if err := windows.LockFileEx(h, windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, ol); err != nil {
		return fmt.Errorf("lockfile: take over %s: %w", path, err)
	}
	defer windows.UnlockFileEx(h, 0, 1, 0, ol)
	held, err := f.Stat()
	if err != nil {
		return fmt.Errorf("lockfile: take over %s: %w", path, err)
	}
	if now, err := os.Stat(path); err != nil || !os.SameFile(held, now) {
		return nil // moved by a rival meanwhile
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil || !bytes.Equal(data, stale) {
		return nil // rewritten in place: judge it again
	}
	aside := fmt.Sprintf("%s.%s.stale", path, randomHex(6))
	if err := os.Rename(path, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) || isBusy(err) {
			return nil
		}
		return fmt.Errorf("lockfile: move stale %s aside: %w", path, err)
	}
	_ = os.Remove(aside) // gone when the last reader closes it
	return nil
}
