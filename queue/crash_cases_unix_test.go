//go:build unix

package queue

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// checkCommitted checks that the message the child reported as number i is
// committed once, in the incoming queue, intact.
func checkCommitted(t *testing.T, tr *Tree, id ID, i int) {
	t.Helper()
	if where := committedOnce(t, tr, id); where != Incoming {
		t.Errorf("%s is in %s", id, where)
		return
	}
	env, err := tr.Envelope(Incoming, id)
	if err != nil || env.Helo != strconv.Itoa(i) {
		t.Errorf("%s: envelope %+v, %v; want message %d", id, env, err, i)
		return
	}
	if got := readFile(t, filepath.Join(tr.dirs[Incoming], emlName(id))); got != childBody(i) || env.Size != int64(len(got)) {
		t.Errorf("%s: .eml is not message %d (%d bytes)", id, i, len(got))
	}
}

// visibleBeforeRecover checks what List shows right after the crash: the
// reported messages and, if the child died after the commit mark, the one
// it was committing; never an uncommitted one.
func visibleBeforeRecover(t *testing.T, root string, reported map[ID]int, exact bool) {
	t.Helper()
	listed, err := (&Tree{dirs: [numFolders]string{Incoming: filepath.Join(root, "queue")}}).List(Incoming)
	if err != nil {
		t.Fatal(err)
	}
	extra := 0
	for _, id := range listed {
		if _, ok := reported[id]; !ok {
			extra++
		}
	}
	if len(listed)-extra != len(reported) || extra > 0 && exact || extra > 1 {
		t.Errorf("before Recover List shows %d sets (%d unreported); %d were committed", len(listed), extra, len(reported))
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readReports reads "id [n]" lines until EOF or until max lines.
func readReports(sc interface {
	Scan() bool
	Text() string
}, max int) map[ID]int {
	got := make(map[ID]int)
	for (max == 0 || len(got) < max) && sc.Scan() {
		f := strings.Fields(sc.Text())
		n := -1
		if len(f) > 1 {
			n = atoi(f[1])
		}
		got[ID(f[0])] = n
	}
	return got
}

func TestCrashCommit(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"commit:synced", "commit:eml", "commit:auth", "commit:done"} {
		for _, at := range []int{1, 5} {
			t.Run(fmt.Sprintf("%s#%d", step, at), func(t *testing.T) {
				t.Parallel()
				root := filepath.Join(t.TempDir(), "tree")
				cmd, out := child(t, root, "commit", "MAILQ_QUEUE_STEP="+step, "MAILQ_QUEUE_AT="+strconv.Itoa(at))
				reported := readReports(out, 0)
				killed(t, cmd)
				if len(reported) != at-1 {
					t.Fatalf("child reported %d messages before dying in commit #%d", len(reported), at)
				}
				visibleBeforeRecover(t, root, reported, step == "commit:synced" || step == "commit:eml")
				tr := recoverTree(t, root)
				for id, i := range reported {
					checkCommitted(t, tr, id, i)
				}
				listed, _ := tr.List(Incoming)
				for _, id := range listed {
					if _, ok := reported[id]; !ok { // the one being committed when killed
						env, err := tr.Envelope(Incoming, id)
						if err != nil {
							t.Fatal(err)
						}
						checkCommitted(t, tr, id, atoi(env.Helo))
					}
				}
				if len(listed) > at {
					t.Errorf("%d sets listed; at most %d were ever committed", len(listed), at)
				}
			})
		}
	}
}

// TestCrashCommitKilled kills committing children from outside, at
// whatever point they have reached, five times over the same tree.
func TestCrashCommitKilled(t *testing.T) {
	t.Parallel()
	killRounds(t, filepath.Join(t.TempDir(), "tree"), "commit", func(tr *Tree, all map[ID]int) {
		for id, i := range all {
			checkCommitted(t, tr, id, i)
		}
	})
}

// killRounds starts a child in mode five times over the tree at root,
// kills each from outside after a growing number of reports, recovers the
// tree, and calls check with it and every message reported so far.
func killRounds(t *testing.T, root, mode string, check func(tr *Tree, all map[ID]int)) {
	t.Helper()
	all := make(map[ID]int)
	for round := range 5 {
		cmd, out := child(t, root, mode)
		got := readReports(out, 3+round*7)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		killed(t, cmd)
		for id, i := range got {
			all[id] = i
		}
		check(recoverTree(t, root), all)
	}
}

func TestCrashMove(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		step    string
		copying bool
	}{
		{"move:eml", false}, {"move:auth", false},
		{"move:copied-eml", true}, {"move:out", true}, {"move:copied", true},
	} {
		for _, at := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s#%d", c.step, at), func(t *testing.T) {
				t.Parallel()
				root := filepath.Join(t.TempDir(), "tree")
				tr, err := Open(testDirs(root))
				if err != nil {
					t.Fatal(err)
				}
				var ids []ID
				for i := range 6 {
					ids = append(ids, commitMsg(t, tr, Incoming, childBody(i)))
				}
				copying := "0"
				if c.copying {
					copying = "1"
				}
				cmd, out := child(t, root, "move", "MAILQ_QUEUE_STEP="+c.step,
					"MAILQ_QUEUE_AT="+strconv.Itoa(at), "MAILQ_QUEUE_COPY="+copying)
				reported := readReports(out, 0)
				killed(t, cmd)
				tr = recoverTree(t, root)
				for i, id := range ids { // every set, reported or not, exactly once
					where := committedOnce(t, tr, id)
					if _, ok := reported[id]; ok && where != External {
						t.Errorf("%s reported moved but is in %s", id, where)
					}
					if where >= 0 {
						if got := readFile(t, filepath.Join(tr.dirs[where], emlName(id))); got != childBody(i) {
							t.Errorf("%s: wrong content", id)
						}
					}
				}
				if bad := filesIn(t, tr.dirs[Bad]); len(bad) != 0 {
					t.Errorf("bad holds %v", bad)
				}
			})
		}
	}
}

// TestCrashSplit kills an MXA-like child while it writes per-recipient
// copies and removes originals, then replays: each copy exists once.
func TestCrashSplit(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"writeset:synced", "writeset:eml", "writeset:auth"} {
		for _, at := range []int{2, 5} {
			t.Run(fmt.Sprintf("%s#%d", step, at), func(t *testing.T) {
				t.Parallel()
				root := filepath.Join(t.TempDir(), "tree")
				tr, err := Open(testDirs(root))
				if err != nil {
					t.Fatal(err)
				}
				var ids []ID
				for i := range 4 {
					d, _ := tr.NewDraft(External)
					_, _ = d.Write([]byte(childBody(i)))
					if err := d.Commit(testEnvelope("a@x", "b@y", "c@z")); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, d.ID())
				}
				cmd, out := child(t, root, "split", "MAILQ_QUEUE_STEP="+step, "MAILQ_QUEUE_AT="+strconv.Itoa(at))
				readReports(out, 0)
				killed(t, cmd)
				tr = recoverTree(t, root)
				left, _ := tr.List(External)
				for _, id := range left { // the restarted MXA replays
					if err := split(tr, id); err != nil {
						t.Fatal(err)
					}
				}
				for i, id := range ids {
					for n, addr := range []string{"a@x", "b@y", "c@z"} {
						cp := id.Derive(n + 1)
						if committedOnce(t, tr, cp) != Retry {
							continue
						}
						env, err := tr.Envelope(Retry, cp)
						if err != nil || len(env.Recipients) != 1 || env.Recipients[0].Addr != addr {
							t.Errorf("%s: envelope %+v, %v", cp, env, err)
						}
						if got := readFile(t, filepath.Join(tr.dirs[Retry], emlName(cp))); got != childBody(i) {
							t.Errorf("%s: wrong content", cp)
						}
					}
				}
				if n, _ := tr.Count(Retry); n != 12 {
					t.Errorf("retry holds %d sets; want 12", n)
				}
			})
		}
	}
}

func TestCrashDeliver(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"deliver:synced", "deliver:renamed"} {
		for _, at := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s#%d", step, at), func(t *testing.T) {
				t.Parallel()
				root := filepath.Join(t.TempDir(), "tree")
				const n = 8
				cmd, out := child(t, root, "deliver", "MAILQ_QUEUE_STEP="+step,
					"MAILQ_QUEUE_AT="+strconv.Itoa(at), "MAILQ_QUEUE_N="+strconv.Itoa(n))
				reported := readReports(out, 0)
				killed(t, cmd)
				if len(reported) != at-1 {
					t.Errorf("reported %d deliveries", len(reported))
				}
				if mb, err := (&Tree{users: filepath.Join(root, "users")}).Mailbox("a@localhost.com"); err == nil {
					msgs, _ := mb.List()
					if len(msgs) != len(reported)+btoi(step == "deliver:renamed") {
						t.Errorf("before Recover the mailbox lists %d messages; %d were delivered", len(msgs), len(reported))
					}
				}
				tr := recoverTree(t, root)
				if err := childDeliver(tr, n); err != nil { // the MDA replays every delivery
					t.Fatal(err)
				}
				mb, err := tr.Mailbox("a@localhost.com")
				if err != nil {
					t.Fatal(err)
				}
				msgs, err := mb.List()
				if err != nil || len(msgs) != n {
					t.Fatalf("mailbox lists %d messages (%v); want %d", len(msgs), err, n)
				}
				for i, m := range msgs {
					want := "X-Seq: " + strconv.Itoa(i) + "\r\n" + childBody(i)
					if got := readFile(t, filepath.Join(root, "users", "a@localhost.com", emlName(m.ID))); got != want {
						t.Errorf("%s: wrong content", m.ID)
					}
				}
			})
		}
	}
}

// TestTwoProcessesCommit runs two processes committing into one folder
// with ids drawn from only 400 values: reservations collide constantly
// across processes, and still no two messages share a name.
func TestTwoProcessesCommit(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "tree")
	if _, err := Open(testDirs(root)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		ids map[ID]int
		err error
	}
	results := make(chan result, 2)
	for range 2 {
		cmd, out := child(t, root, "commit", "MAILQ_QUEUE_N=150", "MAILQ_QUEUE_NARROW=400")
		go func() {
			ids := readReports(out, 0)
			results <- result{ids, cmd.Wait()}
		}()
	}
	all := make(map[ID]int)
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		for id, i := range r.ids {
			if _, dup := all[id]; dup {
				t.Errorf("both processes committed %s", id)
			}
			all[id] = i
		}
	}
	tr, err := Open(testDirs(root))
	if err != nil {
		t.Fatal(err)
	}
	listed, _ := tr.List(Incoming)
	if len(all) != 300 || len(listed) != 300 {
		t.Fatalf("reported %d, listed %d; want 300", len(all), len(listed))
	}
	for id, i := range all {
		checkCommitted(t, tr, id, i)
	}
	if tmp := temps(t, root); len(tmp) != 0 {
		t.Errorf("temporary files: %v", tmp)
	}
}

// filedNumber is the number of the child's message filed as id in directBox,
// read from its subject.
func filedNumber(t *testing.T, root string, id ID) int {
	body := readFile(t, filepath.Join(root, "users", directBox, emlName(id)))
	return atoi(strings.TrimPrefix(strings.SplitN(body, "\r\n", 2)[0], "Subject: message "))
}

// checkFiled checks, after a crash of the "file" child and Recover, that
// every message it reported (answered 250) is in the mailbox once and
// intact, and that any other message there is whole too (the one being
// filed when it died, renamed before the kill: the client saw no 250 and
// sends it again, a duplicate, never a loss).
func checkFiled(t *testing.T, tr *Tree, root string, reported map[ID]int) {
	t.Helper()
	mb, err := tr.Mailbox(directBox)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := mb.List()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[ID]bool{}
	for _, m := range msgs {
		listed[m.ID] = true
		body := readFile(t, filepath.Join(root, "users", directBox, emlName(m.ID)))
		i, ok := reported[m.ID]
		if !ok {
			i = filedNumber(t, root, m.ID)
		}
		if body != childBody(i) || m.Size != int64(len(body)) {
			t.Errorf("%s: not message %d intact (%d bytes)", m.ID, i, len(body))
		}
	}
	for id, i := range reported {
		if !listed[id] {
			t.Errorf("message %d (%s) was answered 250 and is not in the mailbox", i, id)
		}
	}
	if extra := len(msgs) - len(reported); extra < 0 || extra > 1 {
		t.Errorf("the mailbox holds %d messages; %d were filed", len(msgs), len(reported))
	}
}

// TestCrashDirectFiling kills the child filing straight into a mailbox at
// each step of the commit: every message answered before stays, whole and
// once; a message whose rename happened may stay too; nothing temporary
// survives Recover.
func TestCrashDirectFiling(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"file:synced", "file:eml", "file:done"} {
		for _, at := range []int{1, 5} {
			t.Run(fmt.Sprintf("%s#%d", step, at), func(t *testing.T) {
				t.Parallel()
				root := filepath.Join(t.TempDir(), "tree")
				// A bounded child: one that never reaches the step ends on its
				// own, and killed fails the test instead of waiting forever.
				cmd, out := child(t, root, "file", "MAILQ_QUEUE_STEP="+step, "MAILQ_QUEUE_AT="+strconv.Itoa(at),
					"MAILQ_QUEUE_N="+strconv.Itoa(at+3))
				reported := readReports(out, 0)
				killed(t, cmd)
				if len(reported) != at-1 {
					t.Fatalf("child reported %d messages before dying in filing #%d", len(reported), at)
				}
				tr := recoverTree(t, root)
				checkFiled(t, tr, root, reported)
				mb, _ := tr.Mailbox(directBox)
				msgs, _ := mb.List()
				if renamed := step != "file:synced"; len(msgs) != len(reported)+btoi(renamed) {
					t.Errorf("after a kill at %s the mailbox holds %d messages; %d were answered", step, len(msgs), len(reported))
				}
			})
		}
	}
}

// TestCrashDirectFilingKilled kills filing children from outside, at
// whatever point they have reached, five times over the same mailbox.
func TestCrashDirectFilingKilled(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "tree")
	killRounds(t, root, "file", func(tr *Tree, all map[ID]int) {
		mb, _ := tr.Mailbox(directBox)
		msgs, _ := mb.List()
		for _, m := range msgs {
			if _, ok := all[m.ID]; !ok { // filed, killed before its report: a duplicate the client resends
				all[m.ID] = filedNumber(t, root, m.ID)
			}
		}
		checkFiled(t, tr, root, all)
	})
}
