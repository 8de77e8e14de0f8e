//go:build unix

package queue

import "syscall"

// errDiskFull is the system's error for a write to a full disk.
var errDiskFull error = syscall.ENOSPC
