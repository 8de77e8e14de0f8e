package logs

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// installNew gives the file tmp the name path unless path exists (then an
// error matching fs.ErrExist). MoveFileEx without MOVEFILE_REPLACE_EXISTING
// refuses an existing name atomically. Not a hard link as on Unix: the
// second name could not be removed while the other instance holds the log
// open, and would be left behind.
func installNew(tmp, path string) error {
	err := windows.MoveFileEx(windows.StringToUTF16Ptr(tmp), windows.StringToUTF16Ptr(path), 0)
	if err == nil {
		return nil
	}
	os.Remove(tmp)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
		return fs.ErrExist
	}
	return &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err}
}
