package smtp

import "golang.org/x/sys/windows"

// The system's errors for a full disk, an exhausted quota and a file over
// the file system's limit.
var errNoSpace, errQuota, errTooBig error = windows.ERROR_DISK_FULL, windows.ERROR_DISK_QUOTA_EXCEEDED, windows.ERROR_FILE_TOO_LARGE
