package queue

import (
	"io"
	"path/filepath"
	"slices"
	"testing"
)

// TestMailboxDraft checks direct filing: Commit puts <id>.eml into the
// mailbox, synced before the rename and the folder after it, with no .auth
// and nothing in the queue; Abort leaves nothing behind.
func TestMailboxDraft(t *testing.T) {
	t.Parallel()
	tr := newTree(t)
	var syncs []string
	tr.syncHook = func(kind, path string, do func() error) error {
		syncs = append(syncs, kind+" "+filepath.Base(path))
		return do()
	}
	d, err := tr.NewMailboxDraft("dev@far.example")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(d, "Subject: x\r\n\r\nbody\r\n")
	syncs = nil
	env := &Envelope{}
	if err := d.Commit(env); err != nil {
		t.Fatal(err)
	}
	if env.ID != d.ID() || env.Size != 20 {
		t.Errorf("envelope id %s size %d", env.ID, env.Size)
	}
	dir := filepath.Join(tr.users, "dev@far.example")
	if got, want := names(t, dir), []string{string(d.ID()) + ".eml"}; !slices.Equal(got, want) {
		t.Errorf("mailbox holds %v, want %v", got, want)
	}
	if got, want := syncs, []string{"file ~" + string(d.ID()) + ".eml.tmp", "folder dev@far.example"}; !slices.Equal(got, want) {
		t.Errorf("syncs %v, want %v", got, want)
	}
	if ids, _ := tr.List(Incoming); len(ids) != 0 {
		t.Errorf("queue holds %v", ids)
	}
	mb, _ := tr.Mailbox("dev@far.example")
	if list, _ := mb.List(); len(list) != 1 {
		t.Errorf("POP3 lists %v", list)
	}

	d2, err := tr.NewMailboxDraft("dev@far.example")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(d2, "half")
	if err := d2.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 1 {
		t.Errorf("after Abort the mailbox holds %v", got)
	}
	if _, err := tr.NewMailboxDraft("a/b@far.example"); err == nil {
		t.Error("a draft for an address that cannot name a folder")
	}
}
