package queue

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// crash is the panic value of a simulated crash inside a protocol.
type crash struct{ step string }

// crashAt makes tr stop dead at step, as a killed process would: nothing
// after the step runs, not even clean-up.
func crashAt(tr *Tree, step string) {
	tr.hook = func(s string) {
		if s == step {
			panic(crash{s})
		}
	}
}

// survive runs f and reports whether it crashed (see crashAt).
func survive(f func()) (crashed bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(crash); !ok {
				panic(r)
			}
			crashed = true
		}
	}()
	f()
	return false
}

// only checks that id is committed in want and has no file anywhere else in
// the queue folders.
func only(t *testing.T, tr *Tree, id ID, want Folder, body string) {
	t.Helper()
	for f := range numFolders {
		for _, ext := range []string{extEML, extAuth, extOut} {
			p := filepath.Join(tr.dirs[f], string(id)+"."+ext)
			if has := exists(p); has != (f == want && ext != extOut) {
				t.Errorf("%s in %s: exists = %v", filepath.Base(p), f, has)
			}
		}
	}
	if body != "" {
		if got := readFile(t, filepath.Join(tr.dirs[want], emlName(id))); got != body {
			t.Errorf("%s in %s holds %q; want %q", id, want, got, body)
		}
	}
	if tmp := temps(t, filepath.Dir(tr.dirs[Bad])); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestMove(t *testing.T) {
	t.Parallel()
	for _, copying := range []bool{false, true} {
		name := "rename"
		if copying {
			name = "copy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t)
			tr.forceCopy = copying
			id := commitMsg(t, tr, Incoming, "body\r\n")
			for i := range 2 { // the second is a replay of a finished move
				if err := tr.Move(id, Incoming, External); err != nil {
					t.Fatalf("Move #%d: %v", i+1, err)
				}
			}
			only(t, tr, id, External, "body\r\n")
			if err := tr.Move(id, External, Sent); err != nil {
				t.Fatal(err)
			}
			only(t, tr, id, Sent, "body\r\n")
		})
	}
}

func TestMoveRefuses(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, Incoming, "one\r\n")
	// Both folders committed: a collision, never resolved by replacing.
	for _, name := range []string{emlName(id), authName(id)} {
		data := readFile(t, filepath.Join(tr.dirs[Incoming], name))
		if err := os.WriteFile(filepath.Join(tr.dirs[External], name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Move(id, Incoming, External); !errors.Is(err, ErrExists) {
		t.Errorf("Move onto a committed set = %v; want ErrExists", err)
	}
	if len(filesIn(t, tr.dirs[Incoming])) != 2 {
		t.Error("the source was touched")
	}
	missing := ID("2013100717060690338676")
	if err := tr.Move(missing, Incoming, External); !errors.Is(err, ErrNotFound) {
		t.Errorf("Move of nothing = %v", err)
	}
	if err := tr.Move(id, Incoming, Incoming); err == nil {
		t.Error("Move within one folder succeeded")
	}
	if err := tr.Move("../x", Incoming, External); !errors.Is(err, ErrBadID) {
		t.Errorf("Move of a bad id = %v", err)
	}
}

// TestMoveResumes crashes a move at each step, in process, then replays it
// and checks the set ends up committed once, at its destination.
func TestMoveResumes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		step    string
		copying bool
	}{
		{"move:eml", false},
		{"move:auth", false},
		{"move:copied-eml", true},
		{"move:out", true},
		{"move:copied", true},
		{"movefile:copied", true}, // never reached by Move: a control
	} {
		t.Run(c.step, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t)
			tr.forceCopy = c.copying
			id := commitMsg(t, tr, Incoming, "body\r\n")
			crashAt(tr, c.step)
			crashed := survive(func() { _ = tr.Move(id, Incoming, Retry) })
			if c.step == "movefile:copied" && crashed {
				t.Fatal("unexpected crash")
			}
			tr.hook = nil
			if err := tr.Move(id, Incoming, Retry); err != nil {
				t.Fatalf("replay: %v", err)
			}
			only(t, tr, id, Retry, "body\r\n")
		})
	}
}

// TestMoveReplacesLeftover: an uncommitted .eml with the set's id in the
// destination (left by a copy that was undone) does not block the move.
func TestMoveReplacesLeftover(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := commitMsg(t, tr, Incoming, "body\r\n")
	if err := os.WriteFile(filepath.Join(tr.dirs[External], emlName(id)), []byte("bo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tr.Move(id, Incoming, External); err != nil {
		t.Fatal(err)
	}
	only(t, tr, id, External, "body\r\n")
}
