package queue

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"mailq/address"
)

func TestDeliver(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060690338676")
	hdr := []byte("Return-path: <s@x>\r\n")
	for i, want := range []bool{true, false} { // the second is a replay
		done, err := tr.Deliver("Admin@LocalHost.com", false, id, hdr, strings.NewReader("Subject: t\r\n\r\nhi\r\n"))
		if err != nil || done != want {
			t.Fatalf("Deliver #%d = %v, %v; want %v", i+1, done, err, want)
		}
	}
	dir := filepath.Join(tr.users, "admin@localhost.com")
	if got := filesIn(t, dir); !slices.Equal(got, []string{emlName(id)}) {
		t.Fatalf("mailbox holds %v", got)
	}
	if got := readFile(t, filepath.Join(dir, emlName(id))); got != "Return-path: <s@x>\r\nSubject: t\r\n\r\nhi\r\n" {
		t.Errorf("delivered %q", got)
	}
	mb, err := tr.Mailbox("admin@localhost.com")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := mb.Path(id); err != nil || p != filepath.Join(dir, emlName(id)) {
		t.Errorf("Path = %q, %v; want the delivered copy", p, err)
	}
	if _, err := mb.Path("nope"); !errors.Is(err, ErrBadID) {
		t.Errorf("Path of a bad id: %v", err)
	}
	done, err := tr.Deliver("who@localhost.com", true, id, hdr, strings.NewReader("x"))
	if err != nil || !done || !exists(filepath.Join(tr.unknown, "who@localhost.com", emlName(id))) {
		t.Errorf("Deliver to unknown = %v, %v", done, err)
	}
	if _, err := tr.Deliver("a@b", false, "nope", nil, strings.NewReader("")); !errors.Is(err, ErrBadID) {
		t.Errorf("bad id: %v", err)
	}
}

// TestDeliverAfterArchive: a message the user deleted with
// POPRenameOnDelete is not delivered again by a replay.
func TestDeliverAfterArchive(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060690338676")
	if _, err := tr.Deliver("a@localhost.com", false, id, nil, strings.NewReader("m")); err != nil {
		t.Fatal(err)
	}
	mb, err := tr.Mailbox("a@localhost.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := mb.Archive(id); err != nil {
		t.Fatal(err)
	}
	done, err := tr.Deliver("a@localhost.com", false, id, nil, strings.NewReader("m"))
	if done || err != nil {
		t.Errorf("Deliver after Archive = %v, %v; want false, nil", done, err)
	}
}

func TestDeliverConcurrent(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060690338676")
	var wg sync.WaitGroup
	var mu sync.Mutex
	delivered := 0
	for range 10 {
		wg.Go(func() {
			done, err := tr.Deliver("a@localhost.com", false, id, nil, strings.NewReader("m"))
			if err != nil {
				t.Error(err)
			}
			if done {
				mu.Lock()
				delivered++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if delivered != 1 || len(filesIn(t, filepath.Join(tr.users, "a@localhost.com"))) != 1 {
		t.Errorf("%d deliveries reported", delivered)
	}
}

// TestDeliverUnsafe: no unsafe address creates anything, anywhere.
func TestDeliverUnsafe(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{
		"../x@y", "../../etc@passwd", "/abs@x", "/tmp/x@y", `..\x@y`, `c:\x@y`, "a\x00b@c",
		"nul.x@y", "NUL.x@y", "con.a@b", "x@y/..", "..", "", "a/b@c", ".@x", "x@.", "unknown",
	} {
		t.Run(addr, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			tr, err := Open(testDirs(filepath.Join(root, "tree")))
			if err != nil {
				t.Fatal(err)
			}
			before := walk(t, root)
			for _, unknown := range []bool{false, true} {
				done, err := tr.Deliver(addr, unknown, "2013100717060690338676", []byte("h"), strings.NewReader("b"))
				if done || !errors.Is(err, address.ErrUnsafe) {
					t.Errorf("Deliver(%q, unknown=%v) = %v, %v; want ErrUnsafe", addr, unknown, done, err)
				}
			}
			if _, err := tr.Mailbox(addr); !errors.Is(err, address.ErrUnsafe) {
				t.Errorf("Mailbox(%q) = %v; want ErrUnsafe", addr, err)
			}
			if after := walk(t, root); !slices.Equal(before, after) {
				t.Errorf("files appeared: %v", after)
			}
		})
	}
}

func TestMailbox(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	ids := []ID{"2013100717060690338676-10", "2013100717060690338676", "2013100717060690338676-2"}
	for _, id := range ids {
		if _, err := tr.Deliver("a@localhost.com", false, id, nil, strings.NewReader(string(id))); err != nil {
			t.Fatal(err)
		}
	}
	mb, err := tr.Mailbox("A@localhost.com")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tr.users, "a@localhost.com")
	// Things that are not messages.
	for _, name := range []string{"~2013100717060690338677.1234.tmp", "2013100717060690338678.auth", "notes.txt", "x.eml", lockName} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("zz"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "2013100717060690338679.eml"), 0o700); err != nil {
		t.Fatal(err)
	}
	if mb.LockPath() != filepath.Join(dir, lockName) {
		t.Errorf("LockPath = %q", mb.LockPath())
	}
	msgs, err := mb.List()
	want := []Message{{"2013100717060690338676", 22}, {"2013100717060690338676-2", 24}, {"2013100717060690338676-10", 25}}
	if err != nil || !slices.Equal(msgs, want) {
		t.Fatalf("List = %v, %v; want %v", msgs, err, want)
	}
	f, err := mb.Open(want[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != string(want[1].ID) {
		t.Errorf("Open read %q", b)
	}
	if err := mb.Delete(want[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := mb.Delete(want[0].ID); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if err := mb.Archive(want[1].ID); err != nil {
		t.Fatal(err)
	}
	if !exists(filepath.Join(dir, deletedDir, emlName(want[1].ID))) {
		t.Error("Archive did not keep the message in deleted/")
	}
	if err := mb.Archive(want[1].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Archive = %v", err)
	}
	msgs, _ = mb.List()
	if !slices.Equal(msgs, want[2:]) {
		t.Errorf("List after Delete and Archive = %v", msgs)
	}
	if _, err := mb.Open(want[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open of a deleted message = %v", err)
	}
	if _, err := mb.Open("../../x"); !errors.Is(err, ErrBadID) {
		t.Errorf("Open of a bad id = %v", err)
	}
}
