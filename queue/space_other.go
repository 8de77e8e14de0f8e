//go:build !windows && !darwin && !dragonfly && !freebsd && !linux && !openbsd && !netbsd

package queue

import "errors"

// freeBytes is not implemented on this platform; the caller skips the
// free-space check (DURABILITY rule 6) when it gets errors.ErrUnsupported.
func freeBytes(dir string) (uint64, error) {
	return 0, fileErr("statfs", dir, errors.ErrUnsupported)
}
