package queue

import (
	"fmt"
	"os"
	"path/filepath"
)

// NewMailboxDraft reserves a fresh id in addr's mailbox (made if missing)
// and opens its temporary file there: direct filing, where the SMTP server
// writes a one-recipient message straight into the mailbox it belongs in,
// with the fields the MDA would have put on top (smtp/direct.go). Its
// Commit renames the temporary to <id>.eml in the mailbox (the message is
// then visible to POP3, DURABILITY rule 11) and syncs the folder; there is
// no .auth, as there is nothing left to do. The same rules hold as for a
// set: exclusive reservation (rule 4), sync before the rename and the
// folder after it (rule 1), and a temporary file a crash leaves is removed
// by Recover like any in a mailbox.
func (t *Tree) NewMailboxDraft(addr string) (*Draft, error) {
	dir, err := t.mailboxDir(addr, false)
	if err != nil {
		return nil, fmt.Errorf("queue: mailbox %q: %w", addr, err)
	}
	if err := t.mkdirDurable(dir); err != nil {
		return nil, fmt.Errorf("queue: mailbox %q: %w", addr, err)
	}
	for range 1000 {
		id := t.newID(t.now())
		tmp := reservePath(dir, id, extEML)
		file, err := t.create(tmp)
		if isExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("queue: new draft: %w", fileErr("create", tmp, err))
		}
		if exists(filepath.Join(dir, emlName(id))) || exists(filepath.Join(dir, deletedDir, emlName(id))) {
			_ = file.Close()
			_ = os.Remove(tmp)
			continue
		}
		return &Draft{t: t, dir: dir, id: id, f: file, emlTmp: tmp, authTmp: reservePath(dir, id, extAuth),
			w: newDraftWriter(file), mailbox: true}, nil
	}
	return nil, fmt.Errorf("queue: new draft in mailbox %q: no free id after 1000 tries", addr)
}

// commitMailbox is Commit for a draft of NewMailboxDraft: sync, rename
// into the mailbox, sync the folder.
func (d *Draft) commitMailbox(env *Envelope) error {
	if err := d.closeEML(); err != nil {
		return d.fail(err)
	}
	env.ID, env.Size = d.id, d.n
	d.t.step("file:synced")
	eml := filepath.Join(d.dir, emlName(d.id))
	if err := renameNoReplace(d.emlTmp, eml); err != nil {
		return d.fail(fileErr("rename", eml, err))
	}
	d.t.step("file:eml")
	if err := d.t.syncDir(d.dir); err != nil {
		_ = os.Remove(eml) // not durable, so not accepted (rule 5)
		return d.fail(err)
	}
	d.t.step("file:done")
	d.done = true
	return nil
}
