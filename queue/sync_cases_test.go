package queue

import (
	"io"
	"strings"
	"testing"
	"time"
)

const syncBody = "Subject: sync\\r\\n\\r\\nbody\\r\\n"

// fixedID makes the next id the tree draws a known one, for a case that
// creates its own draft.
func fixedID(t *testing.T, tr *Tree) ID {
	id := NewID(time.Now())
	tr.newID = func(time.Time) ID { return id }
	return id
}

// committed commits one set into f.
func committed(f Folder) func(t *testing.T, tr *Tree) ID {
	return func(t *testing.T, tr *Tree) ID { return commitMsg(t, tr, f, syncBody) }
}

var syncCases = []syncCase{
	{
		name:  "commit",
		setup: fixedID,
		act: func(tr *Tree, _ ID) error {
			d, err := tr.NewDraft(Incoming)
			if err != nil {
				return err
			}
			io.WriteString(d, syncBody)
			return d.Commit(testEnvelope())
		},
		want: []string{
			"sync file queue/~ID.eml.tmp written", // rule 2: the .eml first
			"sync file queue/~ID.auth.tmp written",
			"step commit:synced",
			"step commit:eml",
			"step commit:auth",
			"sync folder queue {ID.auth ID.eml external/ retry/}", // rule 1: both names, before 250
			"step commit:done",
		},
	},
	{
		name:  "direct filing",
		setup: fixedID,
		act: func(tr *Tree, _ ID) error {
			d, err := tr.NewMailboxDraft("bob@example.com")
			if err != nil {
				return err
			}
			io.WriteString(d, syncBody)
			return d.Commit(testEnvelope())
		},
		want: []string{
			"sync folder users {bob@example.com/ unknown/}", // the new mailbox folder
			"sync file users/bob@example.com/~ID.eml.tmp written",
			"step file:synced",
			"step file:eml",
			"sync folder users/bob@example.com {ID.eml}", // rule 1: the name, before 250
			"step file:done",
		},
	},
	{
		name:  "writeset",
		setup: func(*testing.T, *Tree) ID { return NewID(time.Now()) },
		act: func(tr *Tree, id ID) error {
			env := testEnvelope()
			env.ID = id
			return tr.WriteSet(External, env, strings.NewReader(syncBody))
		},
		want: []string{
			"sync file queue/external/~ID.*.tmp written", // the .eml
			"sync file queue/external/~ID.*.tmp written", // the .auth
			"step writeset:synced",
			"step writeset:eml",
			"step writeset:auth",
			"sync folder queue/external {ID.auth ID.eml}",
		},
	},
	{
		name:  "deliver",
		setup: committed(Incoming),
		act: func(tr *Tree, id ID) error {
			_, err := tr.Deliver("bob@example.com", false, id, []byte("X: y\\r\\n"), strings.NewReader(syncBody))
			return err
		},
		want: []string{
			"sync folder users {bob@example.com/ unknown/}", // the new mailbox folder
			"sync file users/bob@example.com/~ID.*.tmp written",
			"step deliver:synced",
			"step deliver:renamed",
			"sync folder users/bob@example.com {ID.eml}",
		},
	},
	{
		name:  "move",
		setup: committed(Incoming),
		act:   func(tr *Tree, id ID) error { return tr.Move(id, Incoming, External) },
		want: []string{
			"step move:eml",
			"step move:auth",
			"sync folder queue/external {ID.auth ID.eml}", // rule 7: destination, then source
			"sync folder queue {external/ retry/}",
		},
	},
	{
		name:  "move across devices",
		copy:  true,
		setup: committed(Incoming),
		act:   func(tr *Tree, id ID) error { return tr.Move(id, Incoming, Sent) },
		want: []string{
			"sync file sent/~ID.eml.*.tmp written", // rule 8: copy, sync, rename, sync
			"sync folder sent {ID.eml}",
			"step move:copied-eml",
			"sync folder queue {ID.eml ID.out external/ retry/}", // uncommitted before the copy commits
			"step move:out",
			"sync file sent/~ID.auth.*.tmp written",
			"sync folder sent {ID.auth ID.eml}",
			"step move:copied",
			"sync folder queue {external/ retry/}", // the source goes only now
		},
	},
	{
		name:  "remove",
		setup: committed(Retry),
		act:   func(tr *Tree, id ID) error { return tr.Remove(Retry, id) },
		want: []string{
			"sync folder queue/retry {}",
		},
	},
	{
		name:  "update envelope",
		setup: committed(External),
		act: func(tr *Tree, id ID) error {
			env, err := tr.Envelope(External, id)
			if err != nil {
				return err
			}
			env.Recipients[0].Attempts = 1
			return tr.UpdateEnvelope(External, env)
		},
		want: []string{
			"sync file queue/external/~ID.*.tmp written",
			"sync folder queue/external {ID.auth ID.eml}", // renamed over the old .auth
		},
	},
	{
		name:  "quarantine",
		setup: committed(Incoming),
		act:   func(tr *Tree, id ID) error { return tr.Quarantine(Incoming, id, "test") },
		want: []string{
			"sync file bad/~ID.*.tmp written", // the .why note
			"sync folder bad {ID.why}",        // osfile.WriteFile syncs its folder
			"step quarantine:moved",
			"step quarantine:moved",
			"sync folder bad {ID.auth ID.eml ID.why}",
			"sync folder queue {external/ retry/}",
		},
	},
	{
		name:  "quarantine across devices",
		copy:  true,
		setup: committed(Incoming),
		act:   func(tr *Tree, id ID) error { return tr.Quarantine(Incoming, id, "test") },
		want: []string{
			"sync file bad/~ID.*.tmp written", // the .why note
			"sync folder bad {ID.why}",        // osfile.WriteFile syncs its folder
			"sync file bad/~ID.eml.*.tmp written",
			"sync folder bad {ID.eml ID.why}", // the copy is durable before its source goes
			"step movefile:copied",
			"step quarantine:moved",
			"sync file bad/~ID.auth.*.tmp written",
			"sync folder bad {ID.auth ID.eml ID.why}",
			"step movefile:copied",
			"step quarantine:moved",
			"sync folder bad {ID.auth ID.eml ID.why}",
			"sync folder queue {external/ retry/}",
		},
	},
	{
		name:  "recover a half-done move",
		setup: halfMoved,
		act: func(tr *Tree, id ID) error {
			_, err := tr.Recover(0) // every file counts as old
			return err
		},
		want: []string{
			"sync folder queue/external {ID.auth ID.eml}", // the .auth followed its .eml (rule 7)
			"sync folder queue {external/ retry/}",
		},
	},
	{
		name:  "mailbox delete",
		setup: delivered,
		act: func(tr *Tree, id ID) error {
			mb, err := tr.Mailbox("bob@example.com")
			if err != nil {
				return err
			}
			return mb.Delete(id)
		},
		want: []string{
			"sync folder users/bob@example.com {}",
		},
	},
	{
		name:  "mailbox archive",
		setup: delivered,
		act: func(tr *Tree, id ID) error {
			mb, err := tr.Mailbox("bob@example.com")
			if err != nil {
				return err
			}
			return mb.Archive(id)
		},
		want: []string{
			"sync folder users/bob@example.com {ID.eml deleted/}", // the new deleted folder
			"sync folder users/bob@example.com/deleted {ID.eml}",
			"sync folder users/bob@example.com {deleted/}",
		},
	},
}

// halfMoved commits a set and crashes its move to external/ after the
// first rename: the .eml is in external/, the .auth still in the queue.
func halfMoved(t *testing.T, tr *Tree) ID {
	id := commitMsg(t, tr, Incoming, syncBody)
	crashAt(tr, "move:eml")
	if !survive(func() { tr.Move(id, Incoming, External) }) {
		t.Fatal("the move did not stop at move:eml")
	}
	tr.hook = nil
	return id
}

// delivered delivers one message to bob@example.com's mailbox.
func delivered(t *testing.T, tr *Tree) ID {
	id := NewID(time.Now())
	if _, err := tr.Deliver("bob@example.com", false, id, nil, strings.NewReader(syncBody)); err != nil {
		t.Fatal(err)
	}
	return id
}
