package mda

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailq/config"
	"mailq/lockfile"
	"mailq/queue"
)

// TestCaptureFiling checks where capture mode files each recipient: a
// mailbox per address at any domain (accounts, unknown users, other
// domains and forwards alike), +tags folded or not, or one shared mailbox;
// nothing goes to the external queue or the unknown folder.
func TestCaptureFiling(t *testing.T) {
	t.Parallel()
	rcpts := []string{"alice@test.example", "nobody@test.example", "someone@far.example", "fwd@test.example", "Dev+Tag@Far.example"}
	for _, tc := range []struct {
		name    string
		capture config.Capture
		want    []string
	}{
		{"per recipient", config.Capture{On: true}, []string{
			"users/alice@test.example/{id}.eml", "users/dev+tag@far.example/{id}.eml", "users/fwd@test.example/{id}.eml",
			"users/nobody@test.example/{id}.eml", "users/someone@far.example/{id}.eml"}},
		{"plus folded", config.Capture{On: true, PlusFold: true}, []string{
			"users/alice@test.example/{id}.eml", "users/dev@far.example/{id}.eml", "users/fwd@test.example/{id}.eml",
			"users/nobody@test.example/{id}.eml", "users/someone@far.example/{id}.eml"}},
		{"one mailbox", config.Capture{On: true, Mailbox: "all@capture.test"}, []string{"users/all@capture.test/{id}.eml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(func(o *Options) { o.Capture = tc.capture })
			id := tb.commit("app@sender.example", rcpts, "Subject: hi\r\n\r\nbody\r\n")
			tb.fileAll(a)
			if got, want := tb.files(), expand(id, tc.want...); !slices.Equal(got, want) {
				t.Fatalf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if tc.capture.PlusFold {
				copy := tb.read("users/dev@far.example/" + string(id) + ".eml")
				if !strings.Contains(copy, "X-Original-To: Dev+Tag@Far.example\r\n") {
					t.Errorf("the folded copy does not keep the address as received:\n%s", copy)
				}
			}
		})
	}
}

// TestCaptureRetentionBurst files a burst into a few mailboxes and checks
// that each mailbox, and all of them together, end within the limits,
// keeping exactly the newest messages.
func TestCaptureRetentionBurst(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) {
		o.Capture = config.Capture{On: true, MaxMessages: 5, TotalMessages: 8}
	})
	var order []queue.ID // filing order
	boxes := []string{"a@x.example", "b@x.example", "c@x.example"}
	for i := range 30 {
		box := boxes[i%2] // a and b get the burst
		if i == 29 {
			box = boxes[2]
		}
		id := tb.commit("s@x.example", []string{box}, fmt.Sprintf("Subject: %d\r\n\r\n%d\r\n", i, i))
		tb.fileAll(a)
		order = append(order, id)
	}
	count := map[string]int{}
	total := 0
	var kept []queue.ID
	for _, f := range tb.files() {
		if dir, name, ok := strings.Cut(strings.TrimPrefix(f, "users/"), "/"); ok && strings.HasSuffix(name, ".eml") {
			count[dir]++
			total++
			kept = append(kept, queue.ID(strings.TrimSuffix(name, ".eml")))
		}
	}
	if total != 8 {
		t.Fatalf("%d messages kept in all, want 8: %v", total, count)
	}
	for b, n := range count {
		if n > 5 {
			t.Errorf("mailbox %s keeps %d messages, over 5", b, n)
		}
	}
	slices.Sort(kept)
	want := slices.Clone(order[len(order)-8:])
	slices.Sort(want)
	if !slices.Equal(kept, want) {
		t.Errorf("kept %v, want the newest 8 %v", kept, want)
	}
}

// TestCaptureRetentionHeldMailbox checks that a mailbox a POP3 session
// holds (its lock file) keeps every message, the limit in all takes the
// oldest of another mailbox instead, and the held mailbox is trimmed at
// the first delivery after the session ends.
func TestCaptureRetentionHeldMailbox(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) { o.Capture = config.Capture{On: true, MaxMessages: 2, TotalMessages: 3} })
	send := func(to string) {
		tb.commit("s@x.example", []string{to}, "Subject: x\r\n\r\nx\r\n")
		tb.fileAll(a)
	}
	n := func(box string) int {
		entries, _ := os.ReadDir(filepath.Join(tb.paths.Users, box))
		k := 0
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".eml") {
				k++
			}
		}
		return k
	}
	send("other@x.example")
	send("held@x.example")
	send("held@x.example")
	mb, err := tb.tree.Mailbox("held@x.example")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := lockfile.Acquire(mb.LockPath()) // a POP3 session holds it
	if err != nil {
		t.Fatal(err)
	}
	send("held@x.example") // held: 3 > 2, and 4 > 3 in all
	if got := n("held@x.example"); got != 3 {
		t.Fatalf("held mailbox has %d messages, want all 3 kept while held", got)
	}
	if got := n("other@x.example"); got != 0 {
		t.Fatalf("other mailbox has %d messages, want 0 (the oldest in all goes instead)", got)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	send("new@x.example")
	if got := n("held@x.example"); got != 2 {
		t.Fatalf("after the session, held mailbox has %d messages, want 2", got)
	}
	if got := n("new@x.example"); got != 1 {
		t.Fatalf("new mailbox has %d messages, want 1", got)
	}
}

// TestCaptureRetentionBatch checks that a trim goes down to the limit less
// a twentieth, so a mailbox kept at its limit is locked once per batch: 41
// messages over a limit of 40 leave 38, and the next one is kept.
func TestCaptureRetentionBatch(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) { o.Capture = config.Capture{On: true, MaxMessages: 40} })
	count := func() int {
		entries, _ := os.ReadDir(filepath.Join(tb.paths.Users, "batch@x.example"))
		return len(entries)
	}
	for i := range 42 {
		tb.commit("s@x.example", []string{"batch@x.example"}, "Subject: x\r\n\r\nx\r\n")
		tb.fileAll(a)
		switch i + 1 {
		case 40:
			if n := count(); n != 40 {
				t.Fatalf("%d messages at the limit, want 40", n)
			}
		case 41:
			if n := count(); n != 38 {
				t.Fatalf("%d messages after passing the limit, want 38", n)
			}
		case 42:
			if n := count(); n != 39 {
				t.Fatalf("%d messages after one more, want 39", n)
			}
		}
	}
}
