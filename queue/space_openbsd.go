package queue

import "golang.org/x/sys/unix"

func statSpace(dir string) (avail, unit uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return uint64(max(st.F_bavail, 0)), uint64(st.F_bsize), nil
}
