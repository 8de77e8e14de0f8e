//go:build darwin || dragonfly || freebsd || linux

package queue

import "golang.org/x/sys/unix"

// freeBytes returns the bytes available to this (unprivileged) process on
// the file system holding dir (DURABILITY rule 6).
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fileErr("statfs", dir, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
