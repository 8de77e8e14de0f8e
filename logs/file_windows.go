package logs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"mailq/internal/osfile"
)

// createLock is the file in the logs folder whose lock makes "create the
// log unless it exists" one step for every mailq process on Windows.
const createLock = ".create.lock"

// installNew gives the file tmp the name path unless path exists (then an
// error matching fs.ErrExist). Not a hard link as on Unix: its second name
// could not be removed while the other instance holds the log open. Not a
// bare no-replace MoveFileEx either: Wine checks and renames in two steps,
// so two instances could both "win" and one's rows would go to a file no
// longer named. A rename under a lock every creator takes is one step.
func installNew(tmp, path string) error {
	unlock, err := osfile.Lock(filepath.Join(filepath.Dir(path), createLock))
	if err != nil {
		os.Remove(tmp)
		return err
	}
	defer unlock()
	if _, err := os.Lstat(path); err == nil {
		os.Remove(tmp)
		return fs.ErrExist
	} else if !errors.Is(err, fs.ErrNotExist) {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
