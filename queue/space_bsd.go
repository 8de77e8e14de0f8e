//go:build openbsd || netbsd

package queue

// freeBytes returns the bytes available to this (unprivileged) process on
// the file system holding dir (DURABILITY rule 6).
func freeBytes(dir string) (uint64, error) {
	avail, unit, err := statSpace(dir)
	if err != nil {
		return 0, fileErr("statfs", dir, err)
	}
	return avail * unit, nil
}
