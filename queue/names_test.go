package queue

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailq/address"
)

// TestMailboxFolderNames: every address SafeName accepts names a folder the
// file system keeps exactly as written, including those that look like
// Windows devices once the domain is added (con@..., nul.x@ is refused), and
// every address it refuses leaves nothing behind. Under Windows this is the
// proof that no accepted name opens a device or loses a trailing character.
func TestMailboxFolderNames(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060690338676")
	accepted := []string{"con@test.example", "nul@test.example", "com1@test.example", "lpt9@test.example",
		"aux@test.example", "prn@x", "a.b@test.example", "x.@test.example", "o'brien@test.example",
		"a+tag@test.example", "a&b@test.example", "a%b@test.example", "a=b@test.example", "a;b@test.example"}
	refused := []string{"con", "nul.x@test.example", "com1.y@z", `a:b@test.example`, `a"b@x`, "a|b@x", "a?b@x",
		"a*b@x", "a<b@x", "a>b@x", `a\b@x`, "a/b@x", "a@test.example.", "a@test.example ", "a b@x", ".a@x", "a..b@x",
		"conin$.x@y"}
	for _, addr := range accepted {
		if _, err := tr.Deliver(addr, false, id, nil, strings.NewReader(addr)); err != nil {
			t.Errorf("Deliver to %q: %v", addr, err)
			continue
		}
		mb, err := tr.Mailbox(addr)
		if err != nil {
			t.Errorf("Mailbox(%q): %v", addr, err)
			continue
		}
		f, err := mb.Open(id)
		if err != nil {
			t.Errorf("%q: open: %v", addr, err)
			continue
		}
		got, _ := io.ReadAll(f)
		f.Close()
		if string(got) != addr {
			t.Errorf("%q: read back %q", addr, got)
		}
	}
	entries, err := os.ReadDir(tr.users)
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, e := range entries {
		if e.Name() != filepath.Base(tr.unknown) {
			folders = append(folders, e.Name())
		}
	}
	if len(folders) != len(accepted) {
		t.Errorf("users holds %q, want one folder for each of %q", folders, accepted)
	}
	for _, addr := range accepted {
		if fi, err := os.Stat(filepath.Join(tr.users, addr)); err != nil || !fi.IsDir() {
			t.Errorf("%q: no folder of that exact name: %v", addr, err)
		}
	}
	for _, addr := range refused {
		if _, err := tr.Deliver(addr, true, id, nil, strings.NewReader("x")); !errors.Is(err, address.ErrUnsafe) {
			t.Errorf("Deliver to %q = %v; want ErrUnsafe", addr, err)
		}
	}
	if got := names(t, tr.unknown); len(got) != 0 {
		t.Errorf("refused addresses left %v", got)
	}
}

// TestLongPathTree: a tree deeper than Windows' old 260-character limit, in
// folders with spaces, works end to end: commit, move, list, deliver, read,
// delete and the free-space query.
func TestLongPathTree(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for len(root) < 300 {
		root = filepath.Join(root, "a folder with spaces")
	}
	tr, err := Open(testDirs(root))
	if err != nil {
		t.Fatal(err)
	}
	id := commitMsg(t, tr, Incoming, "Subject: long\r\n\r\nbody\r\n")
	if err := tr.Move(id, Incoming, External); err != nil {
		t.Fatal(err)
	}
	if ids, err := tr.List(External); err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("List(External) = %v, %v", ids, err)
	}
	if _, err := tr.Envelope(External, id); err != nil {
		t.Fatal(err)
	}
	addr := strings.Repeat("l", 64) + "@" + strings.Repeat("d", 60) + ".example"
	if _, err := tr.Deliver(addr, false, id, nil, strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	mb, err := tr.Mailbox(addr)
	if err != nil {
		t.Fatal(err)
	}
	if p := filepath.Join(tr.users, addr, emlName(id)); len(p) <= 400 {
		t.Fatalf("the mailbox path is only %d characters", len(p))
	}
	if err := mb.Archive(id); err != nil {
		t.Fatal(err)
	}
	if err := tr.Remove(External, id); err != nil {
		t.Fatal(err)
	}
	if free, err := tr.FreeBytes(Incoming); err != nil || free == 0 {
		t.Errorf("FreeBytes = %d, %v", free, err)
	}
}
