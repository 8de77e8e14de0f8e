//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package tty

import (
	"os"

	"golang.org/x/sys/unix"
)

// prepare turns off canonical mode and echo and makes reads return after at
// most a tenth of a second, so the watcher can notice a cancelled context
// without a read blocked forever.
func prepare(f *os.File, _ bool) (restore func(), read func() (byte, bool), err error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGet)
	if err != nil {
		return nil, nil, err
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO
	t.Cc[unix.VMIN] = 0
	t.Cc[unix.VTIME] = 1
	if err := unix.IoctlSetTermios(fd, ioctlSet, &t); err != nil {
		return nil, nil, err
	}
	restore = func() { _ = unix.IoctlSetTermios(fd, ioctlSet, old) }
	buf := make([]byte, 1)
	read = func() (byte, bool) {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR || err == unix.EAGAIN || (err == nil && n == 0) {
			return 0, true // timeout: no key yet
		}
		if err != nil {
			return 0, false
		}
		return buf[0], true
	}
	return restore, read, nil
}
