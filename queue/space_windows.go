package queue

import "golang.org/x/sys/windows"

// freeBytes returns the bytes available to this user on the volume holding
// dir (DURABILITY rule 6).
func freeBytes(dir string) (uint64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, fileErr("free space", dir, err)
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, fileErr("free space", dir, err)
	}
	return avail, nil
}
