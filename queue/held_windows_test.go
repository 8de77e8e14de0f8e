package queue

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestHeldOpenWindows: on Windows a file another program holds open (a mail
// client showing an .eml, an indexer, antivirus) cannot be renamed or
// deleted. The queue must deliver beside it, refuse to delete, archive or
// move it with a temporary error that leaves everything in place
// (DURABILITY rule 14), and succeed once the file is closed.
func TestHeldOpenWindows(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	const addr = "alice@localhost.com"
	first, second := ID("2013100717060690338676"), ID("2013100717060690338677")
	if _, err := tr.Deliver(addr, false, first, nil, strings.NewReader("first\r\n")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tr.users, addr)
	held, err := os.Open(filepath.Join(dir, emlName(first))) // no FILE_SHARE_DELETE
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	if done, err := tr.Deliver(addr, false, second, nil, strings.NewReader("second\r\n")); err != nil || !done {
		t.Fatalf("Deliver beside a held file = %v, %v", done, err)
	}
	mb, err := tr.Mailbox(addr)
	if err != nil {
		t.Fatal(err)
	}
	temporary := func(op string, err error) {
		t.Helper()
		var fe *FileError
		if !errors.As(err, &fe) || !fe.Temporary() || !errors.Is(err, windows.ERROR_SHARING_VIOLATION) {
			t.Errorf("%s of a held file = %v; want a temporary *FileError for the sharing violation", op, err)
		}
	}
	temporary("Delete", mb.Delete(first))
	temporary("Archive", mb.Archive(first))
	if msgs, _ := mb.List(); len(msgs) != 2 {
		t.Errorf("after refused Delete and Archive the mailbox lists %v", msgs)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, deletedDir, "*")); len(m) != 0 {
		t.Errorf("deleted/ holds %v", m)
	}

	// A committed set whose .eml is held cannot move; it stays committed.
	id := commitMsg(t, tr, Incoming, "queued\r\n")
	setEML, err := tr.Open(Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	temporary("Move", tr.Move(id, Incoming, External))
	if ids, _ := tr.List(Incoming); !slices.Equal(ids, []ID{id}) {
		t.Errorf("incoming lists %v after a refused move", ids)
	}
	if ids, _ := tr.List(External); len(ids) != 0 {
		t.Errorf("external lists %v after a refused move", ids)
	}
	setEML.Close()
	held.Close()

	if err := tr.Move(id, Incoming, External); err != nil {
		t.Errorf("Move after closing: %v", err)
	}
	if err := mb.Delete(first); err != nil {
		t.Errorf("Delete after closing: %v", err)
	}
	if msgs, _ := mb.List(); len(msgs) != 1 || msgs[0].ID != second {
		t.Errorf("mailbox lists %v, want only %s", msgs, second)
	}
}
