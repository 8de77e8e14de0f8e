//go:build unix

package inifile

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of old when allowed (as root);
// otherwise the file simply belongs to the editing user.
func keepOwner(f *os.File, old fs.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
