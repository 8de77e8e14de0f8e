package queue

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"mailq/internal/osfile"
)

// The POP3 server's size cache of a mailbox lives beside the viewers'
// index, in the users root's .index folder: <root>/.index/<addr>.sizes. It
// is a cache, never a record of mail: missing, stale or torn, it is
// rebuilt from the messages, so it is written without syncs.

func (mb *Mailbox) sizesPath() string {
	root, name := filepath.Split(mb.dir)
	return filepath.Join(root, indexDir, name+".sizes")
}

// OpenSizes opens the mailbox's size cache for reading; an error wrapping
// ErrNotFound if there is none.
func (mb *Mailbox) OpenSizes() (*os.File, error) {
	p := mb.sizesPath()
	f, err := os.Open(p)
	if isNotExist(err) {
		return nil, fmt.Errorf("queue: size cache: %w", ErrNotFound)
	}
	return f, fileErr("open", p, err)
}

// WriteSizes replaces the mailbox's size cache with what fill writes,
// atomically (a temporary file renamed over the old one), so a reader sees
// the old file or the new one, never a mix.
func (mb *Mailbox) WriteSizes(fill func(w io.Writer) error) error {
	p := mb.sizesPath()
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fileErr("mkdir", dir, err)
	}
	w := osfile.Writer{Prefix: tempPrefix + "sizes.", Sync: osfile.NoSync} // a cache: no syncs
	if err := w.Fill(p, fileMode, fill); err != nil {
		return fmt.Errorf("queue: write size cache: %w", fileErr("write", p, err))
	}
	return nil
}
