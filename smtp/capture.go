package smtp

import (
	"bytes"
	"strings"

	"mailq/config"
	"mailq/queue"
)

// Capture mode (Options.Capture.On, a test mail server): every recipient at
// every domain is accepted, whatever the relay level, because nothing is
// relayed: the MDA files every copy into a mailbox here. The mailbox must
// still be nameable as a folder, checked with the same function the MDA
// files with. AUTH accepts any name and password unless CaptureAuth.

// captureRcpt decides a recipient in capture mode: accepted unless its
// mailbox (config.Capture.MailboxFor) cannot name a folder.
func (s *session) captureRcpt(addr string) (Reply, bool) {
	return fileable(s.srv.opt.Capture.MailboxFor(addr))
}

// capturing reports whether the server runs in capture mode.
func (s *session) capturing() bool { return s.srv.opt.Capture.On }

// anyLogin reports whether AUTH takes any credentials: capture mode
// without CaptureAuth.
func (s *session) anyLogin() bool { return openLogins(s.srv.opt.Capture) }

func openLogins(c config.Capture) bool { return c.On && !c.Auth }

// Direct filing (Options.CaptureFiled set: capture mode with the MDA in this
// process and no delivery scripts): a message with one recipient is written
// straight into that recipient's mailbox, with the fields the MDA would
// put on top (Delivered-To, X-Original-To after the Return-Path), and
// committed there before the 250; the incoming queue and the MDA's pass
// are skipped. Each message is then one file created, where the queue takes
// three and removes two: on a file system whose inode allocation is slow
// after many removals (ext4 without a journal) that is most of the cost.
// Messages for several recipients take the queue, as always.

// directBox is the mailbox the current transaction is filed into directly,
// or "" for the incoming queue.
func (s *session) directBox() string {
	o := &s.srv.opt
	if !o.Capture.On || o.CaptureFiled == nil || len(s.rcpts) != 1 {
		return ""
	}
	return o.Capture.MailboxFor(s.rcpts[0].Addr)
}

// newDraft opens the draft of a transaction: in the mailbox for direct
// filing, else in the incoming queue.
func (s *session) newDraft(t *trace) (draft, error) {
	box := s.directBox()
	if box == "" {
		return s.srv.spool.newDraft()
	}
	d, err := s.srv.opt.Tree.NewMailboxDraft(box)
	if err != nil {
		return nil, err
	}
	t.box, t.rcpt = box, s.rcpts[0].Addr
	return &directDraft{Draft: d, filed: s.srv.opt.CaptureFiled, box: box}, nil
}

// directDraft tells the MDA's retention about each message filed directly.
type directDraft struct {
	*queue.Draft
	filed func(box string, id queue.ID, size int64)
	box   string
}

func (d *directDraft) Commit(env *queue.Envelope) error {
	if err := d.Draft.Commit(env); err != nil {
		return err
	}
	d.filed(d.box, env.ID, env.Size)
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
	if !strings.EqualFold(t.rcpt, t.box) {
		ins += "X-Original-To: " + t.rcpt + "\r\n"
	}
	return append(b[:end], append([]byte(ins), b[end:]...)...)
}
