package queue

import "golang.org/x/sys/windows"

// errDiskFull is the system's error for a write to a full disk (Wine reports
// a write to /dev/full this way).
var errDiskFull error = windows.ERROR_DISK_FULL
