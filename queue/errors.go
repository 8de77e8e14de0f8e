package queue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrMalformed marks an .auth file (or text) that does not follow the
	// format in doc.go, including a torn file without its end line (rule 3).
	ErrMalformed = errors.New("queue: malformed envelope")
	// ErrNoSpace marks ENOSPC and EDQUOT (and their Windows equivalents).
	// The SMTP server answers 452 4.3.1 (DURABILITY rule 5).
	ErrNoSpace = errors.New("queue: no space left")
	// ErrTooBig marks EFBIG: the file system refuses a file this large.
	// The SMTP server answers 552 5.3.4 (DURABILITY rule 5).
	ErrTooBig = errors.New("queue: file too large for the file system")
	// ErrExists is returned when a committed set (or a delivered or
	// archived message) with that id is already where it was to be written.
	// Replays of WriteSet rely on it (DURABILITY rule 7).
	ErrExists = errors.New("queue: message already exists")
	// ErrNotFound is returned when no committed set has that id.
	ErrNotFound = errors.New("queue: no such message")
	// ErrBadID is returned for a string that is not a valid queue id.
	ErrBadID = errors.New("queue: invalid message id")
)

// FileError is a failed file-system operation on one path. Every error that
// Commit, WriteSet, Move, Deliver and the other writers return because of
// the file system wraps one, so callers can log Op and Path.
type FileError struct {
	Op   string // what was being done: "write", "sync", "rename", ...
	Path string // the file or folder
	Err  error  // the underlying error, usually from package os
}

func (e *FileError) Error() string {
	return e.Op + " " + e.Path + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNoSpace) and errors.Is(err, ErrTooBig) true for
// the matching system errors, on every platform.
func (e *FileError) Is(target error) bool {
	switch target {
	case ErrNoSpace:
		return isNoSpace(e.Err)
	case ErrTooBig:
		return isTooBig(e.Err)
	}
	return false
}

// Temporary reports whether trying again later may succeed. Only a file too
// large for the file system is permanent (552 5.3.4); everything else,
// including a full disk (452 4.3.1), a failed sync (451 4.3.0, rule 5) and a
// Windows sharing violation (rule 14), is temporary.
func (e *FileError) Temporary() bool {
	return !isTooBig(e.Err)
}

// fileErr wraps err in a *FileError unless it already is one.
func fileErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	// Strip *fs.PathError and *os.LinkError: FileError carries the path.
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &FileError{Op: op, Path: path, Err: err}
}

// isExist reports whether err says the target name is taken.
func isExist(err error) bool { return errors.Is(err, fs.ErrExist) }

// isNotExist reports whether err says the name does not exist.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// malformed returns an error wrapping ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// wrapErr prefixes err with context, keeping it for errors.Is and
// errors.As; nil stays nil.
func wrapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
