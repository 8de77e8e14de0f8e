package smtp

import (
	"bytes"

	"mailq/queue"
)

// Direct filing (Options.Direct, set when the MDA runs in this process): a
// message with one recipient that the MDA allows (DirectFiler.DirectBox)
// is written straight into that recipient's mailbox, with the fields the
// MDA would put on top (Delivered-To, X-Original-To after the
// Return-Path), and committed there before the 250; the incoming queue and
// the MDA's pass are skipped. Each message is then one file created, where
// the queue takes three and removes two: on a file system whose inode
// allocation is slow after many removals (ext4 without a journal) that is
// most of the cost. Every other message takes the queue, as always.

// DirectFiler is what direct filing needs of the MDA (mda.Agent).
type DirectFiler interface {
	// DirectBox reports whether a message for the single recipient r may
	// be filed directly, into which mailbox, and the address as received
	// when it differs from the mailbox's.
	DirectBox(r queue.Recipient) (box, orig string, ok bool)
	// Filed is told of each message filed directly, once it is committed.
	Filed(env *queue.Envelope, box, orig string)
}

// directBox is the mailbox the current transaction is filed into directly
// and the recipient as received, or "" for the incoming queue.
func (s *session) directBox() (box, orig string) {
	o := &s.srv.opt
	if o.Direct == nil || o.Discard || len(s.rcpts) != 1 {
		return "", ""
	}
	box, orig, ok := o.Direct.DirectBox(s.rcpts[0])
	if !ok {
		return "", ""
	}
	return box, orig
}

// newDraft opens the draft of a transaction: in the mailbox for direct
// filing, else in the incoming queue.
func (s *session) newDraft(t *trace) (draft, error) {
	box, orig := s.directBox()
	if box == "" {
		return s.srv.spool.newDraft()
	}
	d, err := s.srv.opt.Tree.NewMailboxDraft(box)
	if err != nil {
		return nil, err
	}
	t.box, t.orig = box, orig
	return &directDraft{Draft: d, filer: s.srv.opt.Direct, box: box, orig: orig}, nil
}

// directDraft tells the MDA about each message filed directly.
type directDraft struct {
	*queue.Draft
	filer     DirectFiler
	box, orig string
}

func (d *directDraft) Commit(env *queue.Envelope) error {
	if err := d.Draft.Commit(env); err != nil {
		return err
	}
	d.filer.Filed(env, d.box, d.orig)
	return nil
}

// appendDelivered inserts, after the Return-Path line at the start of b,
// the fields the MDA writes for a delivered copy (mda's deliveryHeader).
func (t *trace) appendDelivered(b []byte) []byte {
	if t.box == "" {
		return b
	}
	end := bytes.Index(b, []byte("\r\n"))
	if end < 0 {
		return b
	}
	end += 2
	ins := "Delivered-To: " + t.box + "\r\n"
	if t.orig != "" {
		ins += "X-Original-To: " + t.orig + "\r\n"
	}
	return append(b[:end], append([]byte(ins), b[end:]...)...)
}
