package logs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
)

// openLog opens the log file path for appending. A new file starts with the
// header row of its kind, and so does an existing empty one; a file with rows
// in it gets none, so appending after a restart never repeats the header.
//
// Appends use O_APPEND, with one write call per row: both instances append
// to server.log, and their rows stay whole.
func openLog(path string, kind File) (*os.File, error) {
	header, err := csvLine(Header(kind))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createWithHeader(path, header); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	}
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() == 0 {
		// Emptied by hand (or made by a file system without hard links,
		// below): the first writer to see it so adds the header.
		if _, err := f.Write(header); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// createWithHeader creates path holding header, unless it exists already.
// The header is written into a file of another name first and then given
// the name path without replacing anything, so path never exists without it:
// two processes starting at once
// (go.sh starts both instances) cannot put a row before the header or write
// it twice. Where hard links are not supported (FAT), path is created empty
// and openLog writes the header.
func createWithHeader(path string, header []byte) error {
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path + ".new-" + hex.EncodeToString(rnd[:])
	if err := os.WriteFile(tmp, header, 0o644); err != nil {
		return err
	}
	err := installNew(tmp, path) // file_unix.go, file_windows.go
	switch {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
