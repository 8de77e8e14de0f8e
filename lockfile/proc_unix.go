//go:build unix

package lockfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// probe reports whether process pid is running and, where the system can
// tell, the path of its executable ("" when unknown). Any doubt counts as
// running: taking over a live owner's lock is the error to avoid.
func probe(pid int) (running bool, exe string) {
	if pid <= 0 {
		return false, ""
	}
	// kill(2) with signal 0 checks existence only; EPERM means the process
	// exists but belongs to another user.
	err := unix.Kill(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return false, ""
	}
	if err != nil && !errors.Is(err, unix.EPERM) {
		return true, ""
	}
	zombie, exe := procInfo(pid)
	return !zombie, exe
}
