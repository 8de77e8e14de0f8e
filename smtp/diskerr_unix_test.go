//go:build !windows

package smtp

import "syscall"

// The system's errors for a full disk, an exhausted quota and a file over
// the file system's limit.
var errNoSpace, errQuota, errTooBig error = syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG
