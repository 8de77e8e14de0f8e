package queue

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// syncTrace records, in order, every step hook and every file and folder
// sync a Tree makes, through its two seams. A file sync is recorded with the
// file's size at that moment (the data was written before the sync); a
// folder sync with the names in the folder at that moment, so the trace
// also shows which renames and removals the sync made durable.
type syncTrace struct {
	root string
	id   ID
	mu   sync.Mutex
	rows []string
}

// traceSyncs starts recording tr's syncs and steps. root is the folder
// holding the whole tree; id, if set, is written as "ID" in the trace.
func traceSyncs(tr *Tree, root string, id ID) *syncTrace {
	st := &syncTrace{root: root, id: id}
	tr.hook = func(s string) { st.add("step " + s) }
	tr.syncHook = func(kind, path string, do func() error) error {
		switch kind {
		case syncKindFile:
			state := "written"
			if info, err := os.Stat(path); err != nil {
				state = "missing"
			} else if info.Size() == 0 {
				state = "empty"
			}
			st.add("sync file " + st.name(path) + " " + state)
		case syncKindFolder:
			st.add("sync folder " + st.name(path) + " {" + strings.Join(st.list(path), " ") + "}")
		default:
			st.add("sync " + kind + "?? " + path)
		}
		return do()
	}
	return st
}

var randomPart = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// name gives path relative to the tree's root, with the id as "ID" and the
// random part of a temporary name as "*".
func (st *syncTrace) name(path string) string {
	rel, err := filepath.Rel(st.root, path)
	if err != nil {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	if st.id != "" {
		rel = strings.ReplaceAll(rel, string(st.id), "ID")
	}
	return randomPart.ReplaceAllString(rel, ".*.tmp")
}

// list gives the names in dir, folders with a trailing slash.
func (st *syncTrace) list(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{"unreadable"}
	}
	var out []string
	for _, e := range entries {
		n := st.name(filepath.Join(dir, e.Name()))
		n = n[strings.LastIndex(n, "/")+1:]
		if e.IsDir() {
			n += "/"
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (st *syncTrace) add(row string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.rows = append(st.rows, row)
}

// check compares the trace with want, row by row.
func (st *syncTrace) check(t *testing.T, want []string) {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !slices.Equal(st.rows, want) {
		t.Errorf("syncs and steps:\n\t%s\nwant:\n\t%s", strings.Join(st.rows, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// syncCase is one durable step: setup runs untraced and returns the id
// the step acts on; act runs traced.
type syncCase struct {
	name  string
	copy  bool // take the cross-device paths (Tree.forceCopy)
	setup func(t *testing.T, tr *Tree) ID
	act   func(tr *Tree, id ID) error
	want  []string
}

// TestSyncOrder shows, for every durable step of the tree, which files and
// folders are synced and in what order, and what each folder holds when it
// is synced (DURABILITY rules 1, 2, 7 and 8). Leaving out any sync, or
// syncing a folder before its rename, changes the trace.
func TestSyncOrder(t *testing.T) {
	t.Parallel()
	for _, c := range syncCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if len(c.want) == 0 {
				t.Error("no expected trace: every durable step syncs something")
			}
			tr := newTree(t)
			tr.forceCopy = c.copy
			id := c.setup(t, tr)
			st := traceSyncs(tr, root(tr), id)
			if err := c.act(tr, id); err != nil {
				t.Fatal(err)
			}
			st.check(t, c.want)
		})
	}
}

// root returns the folder holding the tree of testDirs.
func root(tr *Tree) string { return filepath.Dir(tr.dirs[Sent]) }

var errInjected = errors.New("injected sync failure")

// TestCommitFolderSyncFails injects a failure into the folder sync that
// ends a commit: the commit fails (no 250), and nothing of the set is left
// (DURABILITY rules 1 and 5: not durable, so not accepted).
func TestCommitFolderSyncFails(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	var folders int
	tr.syncHook = func(kind, path string, do func() error) error {
		if kind == syncKindFolder && path == tr.dirs[Incoming] {
			folders++
			return errInjected
		}
		return do()
	}
	d, err := tr.NewDraft(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write([]byte(syncBody)); err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(testEnvelope()); !errors.Is(err, errInjected) {
		t.Fatalf("Commit = %v; want the injected folder sync failure", err)
	}
	if folders != 1 {
		t.Errorf("queue folder synced %d times; want 1", folders)
	}
	if got := filesIn(t, tr.dirs[Incoming]); len(got) != 0 {
		t.Errorf("queue holds %v after a failed commit; want nothing", got)
	}
	if ids, _ := tr.List(Incoming); len(ids) != 0 {
		t.Errorf("committed: %v", ids)
	}
}
