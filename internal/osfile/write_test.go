package osfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var errInjected = errors.New("injected sync failure")

var tempRandom = regexp.MustCompile(`\.[0-9]+\.tmp$`)

// trace records every sync a Writer makes, in order: a file sync with the
// file's content at that moment, a folder sync with the names the folder
// holds then, so the trace also shows which rename the sync made durable.
// fail names the kind of sync that fails instead of running.
func trace(rows *[]string, fail string) func(kind, path string, do func() error) error {
	return func(kind, path string, do func() error) error {
		switch kind {
		case SyncKindFile:
			data, err := os.ReadFile(path)
			if err != nil {
				data = []byte("missing")
			}
			*rows = append(*rows, "sync file "+tempRandom.ReplaceAllString(filepath.Base(path), ".*.tmp")+" "+string(data))
		case SyncKindFolder:
			*rows = append(*rows, "sync folder {"+strings.Join(names(path), " ")+"}")
		default:
			*rows = append(*rows, "sync "+kind+"??")
		}
		if kind == fail {
			return errInjected
		}
		return do()
	}
}

// names lists dir, with the random part of temporary names as "*".
func names(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, tempRandom.ReplaceAllString(e.Name(), ".*.tmp"))
	}
	slices.Sort(out)
	return out
}

// TestWriteFileSyncOrder shows the durable steps of WriteFile: the
// temporary file is synced with the new content, then the folder once the
// rename has happened (DURABILITY rule 1). Leaving out either sync, or
// syncing the folder before the rename, changes the trace.
func TestWriteFileSyncOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.txt")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	var rows []string
	w := Writer{Sync: trace(&rows, "")}
	if err := w.WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"sync file .state.txt.*.tmp new",
		"sync folder {state.txt}",
	}
	if !slices.Equal(rows, want) {
		t.Errorf("syncs:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if data, _ := os.ReadFile(path); string(data) != "new" {
		t.Errorf("file holds %q; want new", data)
	}
}

// TestWriteFileFailure: a write that fails before its rename leaves the
// old file as it was and no temporary file behind; a failed folder sync
// comes after the rename and is reported.
func TestWriteFileFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		fail      string // the kind of sync that fails
		exclusive bool
		want      string // the file's content afterwards
		wantErr   error
	}{
		{"file sync fails", SyncKindFile, false, "old", errInjected},
		{"folder sync fails", SyncKindFolder, false, "new", errInjected},
		{"exclusive, file exists", "", true, "old", fs.ErrExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "state.txt")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			var rows []string
			w := Writer{Sync: trace(&rows, c.fail), Exclusive: c.exclusive}
			if err := w.WriteFile(path, []byte("new"), 0o600); !errors.Is(err, c.wantErr) {
				t.Fatalf("WriteFile = %v; want %v", err, c.wantErr)
			}
			if data, _ := os.ReadFile(path); string(data) != c.want {
				t.Errorf("file holds %q; want %q", data, c.want)
			}
			if got := names(dir); !slices.Equal(got, []string{"state.txt"}) {
				t.Errorf("folder holds %v; want only state.txt", got)
			}
		})
	}
}

// TestWriteFileMode: a new file gets perm; a replaced one keeps its mode
// (the copies WriteFile replaced disagreed on this).
func TestWriteFileMode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no permission bits beyond read-only")
	}
	dir := t.TempDir()
	fresh, kept := filepath.Join(dir, "fresh"), filepath.Join(dir, "kept")
	if err := os.WriteFile(kept, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kept, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{fresh: 0o604, kept: 0o640} {
		if err := WriteFile(path, []byte("new"), 0o604); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v; want %v", filepath.Base(path), got, want)
		}
	}
}

// TestWriteFileExclusive: an exclusive write creates a missing file whole,
// with no temporary name left beside it.
func TestWriteFileExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if err := (Writer{Exclusive: true}).WriteFile(path, []byte("k1"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := (Writer{Exclusive: true}).WriteFile(path, []byte("k2"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second exclusive write = %v; want fs.ErrExist", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "k1" {
		t.Errorf("key holds %q; want the first write", data)
	}
	if got := names(dir); !slices.Equal(got, []string{"key"}) {
		t.Errorf("folder holds %v; want only key", got)
	}
}
