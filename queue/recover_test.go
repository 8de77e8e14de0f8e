package queue

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRecoverCrashedSteps crashes each protocol at each step, in process,
// then runs Recover and checks where the set ends up: committed once, or (if
// it was never acknowledged) nowhere but bad/.
func TestRecoverCrashedSteps(t *testing.T) {
	t.Parallel()
	commit := func(tr *Tree) ID {
		d, _ := tr.NewDraft(Incoming)
		_, _ = d.Write([]byte("body\r\n"))
		_ = d.Commit(testEnvelope())
		return d.ID()
	}
	move := func(copying bool) func(*Tree) ID {
		return func(tr *Tree) ID {
			hook := tr.hook
			tr.hook = nil
			id := commit(tr)
			tr.hook, tr.forceCopy = hook, copying
			_ = tr.Move(id, Incoming, External)
			return id
		}
	}
	for _, c := range []struct {
		name  string
		step  string
		run   func(*Tree) ID
		where Folder // -1: not committed anywhere (never acknowledged)
		want  []Action
	}{
		{"commit after syncing temps", "commit:synced", commit, -1, []Action{RemovedTemp, RemovedTemp}},
		{"commit after .eml rename", "commit:eml", commit, -1, []Action{RemovedTemp, Quarantined}},
		{"commit after .auth rename", "commit:auth", commit, Incoming, nil},
		{"move after .eml rename", "move:eml", move(false), External, []Action{FinishedMove}},
		{"move after .auth rename", "move:auth", move(false), External, nil},
		{"copy after .eml copy", "move:copied-eml", move(true), Incoming, []Action{RemovedCopy}},
		{"copy after .out rename", "move:out", move(true), Incoming, []Action{UndidMove, RemovedCopy}},
		{"copy after .auth copy", "move:copied", move(true), External, []Action{FinishedMove}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t)
			crashAt(tr, c.step)
			if !survive(func() { c.run(tr) }) {
				t.Fatal("did not reach", c.step)
			}
			tr.hook, tr.forceCopy = nil, false
			id := onlyID(t, tr)
			repairs, err := tr.Recover(0)
			if err != nil {
				t.Fatal(err)
			}
			var got []Action
			for _, r := range repairs {
				got = append(got, r.Action)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("repairs %+v; want actions %v", repairs, c.want)
			}
			if c.where >= 0 {
				only(t, tr, id, c.where, "body\r\n")
			} else if ids := listAll(t, tr); len(ids) != 0 {
				t.Errorf("an unacknowledged message is committed: %v", ids)
			}
			if again, err := tr.Recover(0); len(again) != 0 || err != nil {
				t.Errorf("second Recover = %+v, %v; want nothing to do", again, err)
			}
		})
	}
}

// onlyID returns the id of the one message file in the queue folders.
func onlyID(t *testing.T, tr *Tree) ID {
	t.Helper()
	for f := range numFolders {
		for _, n := range filesIn(t, tr.dirs[f]) {
			if id, _, ok := splitName(strings.TrimPrefix(n, tempPrefix)); ok {
				return id
			}
		}
	}
	t.Fatal("no message files")
	return ""
}

// listAll returns every committed set in the active and archive folders.
func listAll(t *testing.T, tr *Tree) []ID {
	var all []ID
	for _, f := range []Folder{Incoming, External, Retry, Sent, Failed} {
		ids, err := tr.List(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ids...)
	}
	return all
}

// write creates dir/name with content, dated d ago.
func write(t *testing.T, dir, name, content string, d time.Duration) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	age(t, p, d)
	return p
}

const (
	goodAuth = "mailq-envelope 1\nfrom s@x\nrcpt a@b\nend\n"
	hour     = time.Hour
)

// recoverCase is a broken tree, and what Recover makes of it.
type recoverCase struct {
	name  string
	setup func(tr *Tree)
	want  map[Folder][]string // files expected afterwards (other folders: none)
	acts  []Action
}

func recoverCases(t *testing.T, id ID) []recoverCase {
	return []recoverCase{
		{"auth follows its eml", func(tr *Tree) {
			write(t, tr.dirs[External], authName(id), goodAuth, hour)
			write(t, tr.dirs[Incoming], emlName(id), "m", hour)
		}, map[Folder][]string{Incoming: {authName(id), emlName(id)}}, []Action{FinishedMove}},
		{"finished quarantine", func(tr *Tree) {
			write(t, tr.dirs[Retry], authName(id), "torn", hour)
			write(t, tr.dirs[Bad], emlName(id), "m", hour)
		}, map[Folder][]string{Bad: {authName(id), emlName(id)}}, []Action{FinishedMove}},
		{"orphan eml", func(tr *Tree) {
			write(t, tr.dirs[Incoming], emlName(id), "m", hour)
		}, map[Folder][]string{Bad: {emlName(id), string(id) + ".why"}}, []Action{Quarantined}},
		{"young orphan eml is a drop in progress", func(tr *Tree) {
			write(t, tr.dirs[Incoming], emlName(id), "m", 0)
		}, map[Folder][]string{Incoming: {emlName(id)}}, nil},
		{"orphan auth", func(tr *Tree) {
			write(t, tr.dirs[External], authName(id), goodAuth, hour)
		}, map[Folder][]string{Bad: {authName(id), string(id) + ".why"}}, []Action{Quarantined}},
		{"auth with two candidate emls", func(tr *Tree) {
			write(t, tr.dirs[External], authName(id), goodAuth, hour)
			write(t, tr.dirs[Incoming], emlName(id), "m", hour)
			write(t, tr.dirs[Retry], emlName(id), "m", hour)
		}, map[Folder][]string{Bad: {string(id) + ".1.eml", authName(id), emlName(id), string(id) + ".why"}},
			[]Action{Quarantined, Quarantined, Quarantined}},
		{"torn envelope", func(tr *Tree) {
			write(t, tr.dirs[Retry], authName(id), "mailq-envelope 1\nfrom s@x\nrcpt a@", hour)
			write(t, tr.dirs[Retry], emlName(id), "m", hour)
		}, map[Folder][]string{Bad: {authName(id), emlName(id), string(id) + ".why"}}, []Action{Quarantined, Quarantined}},
		{"young torn envelope is left alone", func(tr *Tree) {
			write(t, tr.dirs[Incoming], authName(id), "mailq-envelope 1\nfrom s@x\nrcpt a@", 0)
			write(t, tr.dirs[Incoming], emlName(id), "m", hour)
		}, map[Folder][]string{Incoming: {authName(id), emlName(id)}}, nil},
		{"archives are not parsed", func(tr *Tree) {
			write(t, tr.dirs[Sent], authName(id), "junk", hour)
			write(t, tr.dirs[Sent], emlName(id), "m", hour)
		}, map[Folder][]string{Sent: {authName(id), emlName(id)}}, nil},
		{"differing copy is kept in bad", func(tr *Tree) {
			write(t, tr.dirs[Sent], authName(id), goodAuth, hour)
			write(t, tr.dirs[Sent], emlName(id), "m", hour)
			write(t, tr.dirs[Failed], emlName(id), "other", hour)
		}, map[Folder][]string{Sent: {authName(id), emlName(id)}, Bad: {emlName(id), string(id) + ".why"}},
			[]Action{Quarantined}},
		{"temporary files", func(tr *Tree) {
			write(t, tr.dirs[Incoming], "~"+string(id)+".eml.tmp", "old", hour)
			write(t, tr.dirs[Bad], "~x.1.tmp", "old", hour)
			write(t, tr.dirs[External], "~y.2.tmp", "young", 0)
			write(t, tr.dirs[Incoming], "notes.txt", "not ours", hour)
		}, map[Folder][]string{External: {"~y.2.tmp"}, Incoming: {"notes.txt"}}, []Action{RemovedTemp, RemovedTemp}},
		{"id line naming another set", func(tr *Tree) {
			write(t, tr.dirs[External], authName(id), "mailq-envelope 1\nid 2013100717060690338699\n"+goodAuth[17:], hour)
			write(t, tr.dirs[External], emlName(id), "m", hour)
		}, map[Folder][]string{Bad: {authName(id), emlName(id), string(id) + ".why"}}, []Action{Quarantined, Quarantined}},
	}
}

func TestRecoverStates(t *testing.T) {
	t.Parallel()
	const id ID = "2013100717060690338676"
	for _, c := range recoverCases(t, id) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tr := newTree(t)
			c.setup(tr)
			repairs, err := tr.Recover(30 * time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var acts []Action
			for _, r := range repairs {
				acts = append(acts, r.Action)
				if !filepath.IsAbs(r.Path) || r.Reason == "" {
					t.Errorf("repair %+v lacks a path or reason", r)
				}
			}
			slices.Sort(acts)
			want := slices.Sorted(slices.Values(c.acts))
			if !slices.Equal(acts, want) {
				t.Errorf("repairs %+v; want %v", repairs, c.acts)
			}
			for f := range numFolders {
				if got := filesIn(t, tr.dirs[f]); !slices.Equal(got, c.want[f]) {
					t.Errorf("%s holds %v; want %v", f, got, c.want[f])
				}
			}
			if again, _ := tr.Recover(30 * time.Minute); len(again) != 0 {
				t.Errorf("second Recover did %+v", again)
			}
		})
	}
}

// TestRecoverMailboxes: only old temporary files go; messages, the lock
// file and a live session's temporary file stay.
func TestRecoverMailboxes(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	id := ID("2013100717060690338676")
	for _, unknown := range []bool{false, true} {
		if _, err := tr.Deliver("a@localhost.com", unknown, id, nil, strings.NewReader("m")); err != nil {
			t.Fatal(err)
		}
	}
	box := filepath.Join(tr.users, "a@localhost.com")
	ubox := filepath.Join(tr.unknown, "a@localhost.com")
	if err := os.MkdirAll(filepath.Join(box, deletedDir), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, box, lockName, "123", hour)
	write(t, box, emlName("2013100717060690338677"), "old message", 100*hour)
	write(t, box, "~old.1.tmp", "", hour)
	write(t, box, "~live.2.tmp", "", 0)
	write(t, filepath.Join(box, deletedDir), "~old.3.tmp", "", hour)
	write(t, ubox, "~old.4.tmp", "", hour)
	repairs, err := tr.Recover(30 * time.Minute)
	if err != nil || len(repairs) != 3 {
		t.Errorf("Recover = %+v, %v; want 3 removals", repairs, err)
	}
	want := []string{emlName(id), emlName("2013100717060690338677"), lockName, "~live.2.tmp"}
	slices.Sort(want)
	if got := filesIn(t, box); !slices.Equal(got, want) {
		t.Errorf("mailbox holds %v; want %v", got, want)
	}
	if got := filesIn(t, ubox); !slices.Equal(got, []string{emlName(id)}) {
		t.Errorf("unknown mailbox holds %v", got)
	}
}
