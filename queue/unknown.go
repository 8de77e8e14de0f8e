package queue

import (
	"errors"
	"io"
	"os"
)

// UnknownFolders reports how the unknown folder stands for addr: whether
// addr has a mailbox there already (known), and how many mailboxes it holds,
// counted up to limit and no further (a listing stops there, so a full
// folder costs at most limit entries to read). The SMTP server asks it at
// RCPT to bound what RefileUnknownUsers creates ([MDA] MaxUnknownFolders).
// An address that cannot name a folder gives an error wrapping
// address.ErrUnsafe.
func (t *Tree) UnknownFolders(addr string, limit int) (known bool, n int, err error) {
	dir, err := t.mailboxDir(addr, true)
	if err != nil {
		return false, 0, err
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return true, 0, nil
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, 0, fileErr("stat", dir, err)
	}
	f, err := os.Open(t.unknown)
	if errors.Is(err, os.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fileErr("open", t.unknown, err)
	}
	defer f.Close()
	for n < limit {
		ents, err := f.ReadDir(min(limit-n, 256))
		for _, e := range ents {
			if e.IsDir() {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, n, fileErr("list", t.unknown, err)
		}
	}
	return false, n, nil
}
