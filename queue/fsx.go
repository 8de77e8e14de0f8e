package queue

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"mailq/internal/osfile"
	"os"
	"path/filepath"
	"strings"

	"crypto/rand"
)

// File name parts. A committed set is <id>.eml plus <id>.auth; <id>.out
// marks a set half way through a cross-device move (move.go); <id>.why
// explains a quarantined set in bad/.
const (
	extEML  = "eml"
	extAuth = "auth"
	extOut  = "out"
	extWhy  = "why"

	// Temporary names start with "~" and end with ".tmp". An id starts
	// with a digit, so no real message name can look like one, and no
	// reader ever lists one (DURABILITY rule 11).
	tempPrefix = "~"
	tempSuffix = ".tmp"

	bufSize  = 64 << 10 // write buffer of drafts and copies
	fileMode = 0o600    // mail is private to the server's user
	dirMode  = 0o700
)

func emlName(id ID) string  { return string(id) + "." + extEML }
func authName(id ID) string { return string(id) + "." + extAuth }
func outName(id ID) string  { return string(id) + "." + extOut }

// isTempName reports a temporary file name (ours, or a drop program's that
// follows the documented convention).
func isTempName(name string) bool {
	return strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix)
}

// tempPath returns a fresh temporary name in dir: ~<tag>.<random>.tmp.
func tempPath(dir, tag string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(dir, tempPrefix+tag+"."+hex.EncodeToString(b[:])+tempSuffix)
}

// reservePath returns the temporary name that reserves id in dir for a
// draft: ~<id>.<ext>.tmp (DURABILITY rule 4).
func reservePath(dir string, id ID, ext string) string {
	return filepath.Join(dir, tempPrefix+string(id)+"."+ext+tempSuffix)
}

// createTemp creates path for writing; it fails if path exists
// (O_CREATE|O_EXCL, DURABILITY rule 4).
func createTemp(path string) (tempFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode) // DURABILITY rule 4
	if err != nil {
		return nil, err
	}
	return f, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// mkdirDurable creates dir and any missing parents, syncing each parent
// after creating a child in it, so the new folder's name is durable before
// anything is committed inside it (DURABILITY rule 1).
func (t *Tree) mkdirDurable(dir string) error {
	if info, err := os.Stat(dir); err == nil {
		if !info.IsDir() {
			return fileErr("mkdir", dir, errors.New("not a folder"))
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := t.mkdirDurable(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, dirMode); err != nil && !isExist(err) {
		return fileErr("mkdir", dir, err)
	}
	return t.syncDir(parent)
}

// writeTemp writes a new temporary file ~<tag>.<random>.tmp in dir with
// writeFile and returns its path.
func (t *Tree) writeTemp(dir, tag string, fill func(w io.Writer) error) (string, error) {
	for range 10 {
		path := tempPath(dir, tag)
		if err := t.writeFile(path, fill); !errors.Is(err, errTaken) {
			return path, err
		}
	}
	return "", fileErr("create", dir, errTaken)
}

// errTaken reports that a temporary name exists already.
var errTaken = errors.New("temporary name taken")

// writeFile creates path (O_EXCL), writes it through fill and a 64 KB
// buffer, then syncs and closes it, checking each step (DURABILITY rule 1).
// On any failure the file is removed and the error is final: a failed sync
// is never retried (rule 5). If path exists the error is errTaken.
func (t *Tree) writeFile(path string, fill func(w io.Writer) error) error {
	f, err := t.create(path)
	if isExist(err) {
		return errTaken
	}
	if err != nil {
		return fileErr("create", path, err)
	}
	w := bufio.NewWriterSize(f, bufSize)
	err = fileErr("write", path, fill(w))
	if err == nil {
		err = fileErr("write", path, w.Flush())
	}
	if err == nil {
		err = fileErr("sync", path, t.syncFile(f, path)) // DURABILITY rule 1: data on disk before the rename
	}
	if cerr := f.Close(); err == nil {
		err = fileErr("close", path, cerr) // rule 1: Close is checked too
	}
	if err != nil {
		_ = os.Remove(path) // rule 5: a failed write or sync is final
	}
	return err
}

// copyTemp copies the file src into a synced temporary file in dir.
func (t *Tree) copyTemp(src, dir, tag string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fileErr("open", src, err)
	}
	defer in.Close()
	return t.writeTemp(dir, tag, func(w io.Writer) error {
		_, err := io.Copy(w, source{in, src})
		return err
	})
}

// source labels read errors, so that a failed read of the message being
// copied is not reported as a failed write of the copy. It also hides
// WriteTo, so io.Copy goes through the buffered writer.
type source struct {
	r    io.Reader
	name string
}

func (s source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = fileErr("read", s.name, err)
	}
	return n, err
}

// replace replaces the file path (an .auth, a .why note) with data through
// osfile's WriteFile: a temporary file ~<tag>.<random>.tmp, synced, renamed
// over path, then the folder synced, with both syncs going through the
// tree's seam. Only these two files are ever replaced on purpose; every
// other name in the tree is reserved and never replaced (DURABILITY rule 4).
func (t *Tree) replace(path, tag string, data []byte) error {
	w := osfile.Writer{Prefix: tempPrefix + tag + ".", Sync: t.sync}
	return fileErr("replace", path, w.WriteFile(path, data, fileMode))
}

// install renames the synced temporary file tmp to final without replacing
// anything (DURABILITY rule 4). On failure tmp is removed.
func install(tmp, final string) error {
	if err := renameNoReplace(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return fileErr("rename", final, err)
	}
	return nil
}
