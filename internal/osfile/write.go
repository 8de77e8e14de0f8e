package osfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The kinds of sync a Writer makes, as its Sync seam sees them.
const (
	SyncKindFile   = "file"
	SyncKindFolder = "folder"
)

// Writer replaces whole files atomically. The zero Writer is what
// WriteFile uses; the fields exist for the few callers that differ.
type Writer struct {
	// Sync runs do, the sync of the file or folder at path (kind is
	// SyncKindFile or SyncKindFolder). Nil runs do. It is the seam through
	// which a test records the order of the syncs or makes one fail, and
	// through which the queue routes them into its own seam.
	Sync func(kind, path string, do func() error) error
	// Prefix starts the temporary file's name instead of "."+base+"."; the
	// name always ends in ".tmp" after a random part. The queue uses "~",
	// the prefix its readers skip (DURABILITY rule 11).
	Prefix string
	// Exclusive makes WriteFile create path only if it does not exist: the
	// temporary file is linked to path, which fails with fs.ErrExist when
	// path is there (a racing writer won), and nothing is replaced.
	Exclusive bool
}

// NoSync is a Writer.Sync that syncs nothing: for a file that is advice,
// rewritten often (the failed-login counts), where losing the latest
// content in a power cut costs less than two syncs per write. The rename
// still keeps readers from ever seeing a partial file.
func NoSync(string, string, func() error) error { return nil }

// WriteFile replaces path with data so that a reader, and the file after
// a crash, hold either the old content or the new, never a mix
// (DURABILITY rule 1): see Writer.WriteFile. perm is the mode of a new
// file; a file being replaced keeps its mode and, where allowed, owner.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Writer{}.WriteFile(path, data, perm)
}

// WriteFile writes data to a temporary file beside path, gives it its
// permissions, syncs and closes it (each step checked), renames it over
// path and syncs the folder, so the new name is durable too (man 2 fsync).
// The permissions are set before the sync, so the sync makes them durable
// with the data: a crash never leaves the new content with the temporary
// file's private mode. A failed sync is final (DURABILITY rule 5): the
// temporary file is removed, and after any failure before the rename the
// old file is untouched and no temporary file is left behind. A failure of
// the folder sync comes after the rename: path holds the new content, which
// may not survive a power cut.
func (w Writer) WriteFile(path string, data []byte, perm fs.FileMode) error {
	return w.Fill(path, perm, func(wr io.Writer) error {
		_, err := wr.Write(data)
		return err
	})
}

// Fill is WriteFile for content that fill writes, through a buffer, rather
// than content held in memory.
func (w Writer) Fill(path string, perm fs.FileMode, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	prefix := w.Prefix
	if prefix == "" {
		prefix = "." + base + "."
	}
	var old fs.FileInfo
	if fi, err := os.Stat(path); err == nil {
		old, perm = fi, fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, prefix+"*.tmp") // mode 0600 until chmod
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			_ = Retry(func() error { return os.Remove(tmp) })
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = fill(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	if old != nil {
		keepOwner(f, old)
	}
	if err = w.sync(SyncKindFile, tmp, f.Sync); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = w.install(tmp, path); err != nil {
		return err
	}
	return w.sync(SyncKindFolder, dir, func() error { return SyncDir(dir) })
}

// install puts the written temporary file tmp in place at path.
func (w Writer) install(tmp, path string) error {
	if !w.Exclusive {
		return Rename(tmp, path)
	}
	err := os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links on this file system (FAT, some shares): check,
		// then rename. Racy against another writer, which at worst
		// replaces a file that has just appeared with the same kind of
		// content.
		if _, serr := os.Lstat(path); serr == nil {
			return &os.LinkError{Op: "link", Old: tmp, New: path, Err: fs.ErrExist}
		}
		return Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	// Retry: on Windows the temporary name cannot be removed while a
	// reader has the linked file open.
	_ = Retry(func() error { return os.Remove(tmp) })
	return nil
}

func (w Writer) sync(kind, path string, do func() error) error {
	if w.Sync != nil {
		return w.Sync(kind, path, do)
	}
	return do()
}
