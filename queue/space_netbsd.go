package queue

import "golang.org/x/sys/unix"

func statSpace(dir string) (avail, unit uint64, err error) {
	var st unix.Statvfs_t
	if err := unix.Statvfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return st.Bavail, st.Frsize, nil
}
