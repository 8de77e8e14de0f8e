//go:build unix

package osfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// EOL ends the lines of a new text file: LF here, CRLF on Windows.
const EOL = "\n"

// Lock takes an exclusive flock(2) on path, creating it if needed, and
// returns the function that releases it. flock locks belong to the open file
// description, so they also exclude other goroutines of this process, and
// the kernel drops them when the process dies. A read-only descriptor is
// enough, so another user with read access (root running /adduser, say) can
// share the lock.
func Lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = unix.Flock(fd, unix.LOCK_UN)
		f.Close()
	}, nil
}

// Rename renames from to to, replacing to.
func Rename(from, to string) error { return os.Rename(from, to) }

// Retry runs op once: only Windows refuses an open, rename or remove because
// another process has the file open.
func Retry(op func() error) error { return op() }

// SyncDir makes a rename in dir durable (fsync(2) on the folder). Some
// file systems (some FUSE and network mounts) refuse to sync a folder with
// EINVAL or ENOTSUP; there is nothing more to do there, so that is not an
// error. Any other failure is.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// keepOwner gives f the owner and group of old when allowed (as root);
// otherwise the file simply belongs to the writing user.
func keepOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
