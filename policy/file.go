package policy

import (
	"errors"
	"io/fs"
	"mailq/internal/osfile"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// withLock runs fn while holding the cross-process lock of path: an
// exclusive lock on path+".lock", a file left in place between uses (deleting
// it could let two writers lock two different files). Symbolic links are
// followed, so the lock and the temporary file sit beside the real file.
func withLock(path string, fn func(path string) error) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	unlock, err := osfile.Lock(path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	return fn(path)
}

// readFile returns the content of path; a missing file is empty.
func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// writeAtomic replaces path with data so that a reader sees either the old
// content or the new, and a crash leaves one of them (osfile.WriteFile,
// DURABILITY.md rule 1). A new file is readable by all; an existing one
// keeps its permissions.
func writeAtomic(path string, data []byte) error {
	return osfile.WriteFile(path, data, 0o644)
}

// CleanTemp removes the temporary files that writeAtomic left beside path
// when a process died between creating and renaming one, if they are older
// than age (a younger one may belong to the other instance, writing now). It
// returns the paths it removed; main calls it at start and logs them.
func CleanTemp(path string, age time.Duration, now time.Time) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	prefix := "." + base + "."
	var removed []string
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".tmp") {
			continue
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < age {
			continue
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}
