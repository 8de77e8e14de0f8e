//go:build !windows

package lockfile

import "os"

// openRead opens a lock file for reading.
func openRead(path string) (*os.File, error) { return os.Open(path) }

// isBusy is always false: POSIX systems never refuse a rename or a removal
// because the file is open.
func isBusy(error) bool { return false }
