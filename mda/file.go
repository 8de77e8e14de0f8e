package mda

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"mailq/address"
	"mailq/logs"
	"mailq/queue"
)

// errHeld is file's answer for a failure notice whose source is still
// where the notice names it (queue.Tree.Held): it stays in the queue, and
// is not tried again before the next scan, which the agent that files the
// source asks for.
var errHeld = errors.New("mda: a failure notice waits for its source to be filed")

// file files the set id of the incoming queue: every step durable and
// idempotent, the source removed last (see "Exactly once" in doc.go). It
// returns nil when the set is done with (filed, quarantined, or gone), and
// an error when it stays in the queue to be tried again.
func (a *Agent) file(ctx context.Context, id queue.ID) error {
	env, err := a.tree.Envelope(queue.Incoming, id)
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return nil // filed or moved away since the listing
	case errors.Is(err, queue.ErrMalformed):
		return a.quarantine(id, fmt.Sprintf("unreadable envelope: %v", err))
	case err != nil:
		return err
	}
	if held, err := a.tree.Held(env); held || err != nil {
		return cmp.Or(err, errHeld)
	}
	env, done, err := a.expand(id, env)
	if done || err != nil {
		return err
	}
	pl, err := a.planner.plan(env)
	if err != nil {
		var bad *malformedError
		if errors.As(err, &bad) {
			return a.quarantine(id, bad.reason)
		}
		return err
	}
	fs := &filing{a: a, ctx: ctx, id: id, env: env}
	external, err := fs.copies(pl)
	if errors.Is(err, queue.ErrNotFound) {
		return nil // the .eml went since the listing: moved away by hand
	}
	if err != nil {
		var bad *malformedError
		if errors.As(err, &bad) {
			err = a.quarantine(id, bad.reason)
		}
		if err != nil {
			a.stash(id, fs.scripts)
			return err
		}
		// Quarantined after some copies were written: they are delivered,
		// and a re-queued set will not write them again.
		a.runScripts(id, fs.scripts)
		return nil
	}
	// The source is closed by now: Windows removes no open file. A stop
	// (ctx) is not obeyed here: with every copy written, leaving the source
	// would let the MXA send the external set before the replay at the
	// next start writes it again.
	a.stepped("remove", id)
	if err := a.tree.Remove(queue.Incoming, id); err != nil {
		a.stash(id, fs.scripts)
		return err
	}
	a.stepped("removed", id)
	if external {
		a.queued() // only now: the MXA never sees a set whose source is still here
	}
	if fs.noticed {
		a.rescan() // the notice, held while its source was here, is due
	}
	a.runScripts(id, fs.scripts)
	return nil
}

// filing is one attempt at filing one set.
type filing struct {
	a       *Agent
	ctx     context.Context
	id      queue.ID
	env     *queue.Envelope
	f       *os.File
	size    int64
	h       header
	scripts []scriptJob // for copies written by this attempt
	noticed bool        // a failure notice is in the queue (written now or before)
}

// copies opens the message and writes every copy of the plan, in order:
// local copies, sets for recipients given up, the external set, the failure
// notice for those given up. It reports whether there was an external set,
// and closes the message before it returns.
func (fs *filing) copies(pl *plan) (external bool, err error) {
	f, err := fs.a.tree.Open(queue.Incoming, fs.id)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("mda: stat %s: %w", fs.id, err)
	}
	fs.f, fs.size = f, st.Size()
	if fs.h, err = readHeader(io.NewSectionReader(f, 0, fs.size)); err != nil {
		return false, fmt.Errorf("mda: read %s: %w", fs.id, err)
	}
	var ext, failed, delivered []target
	for _, t := range pl.targets {
		if err := fs.ctx.Err(); err != nil {
			return false, err // stop between steps; the replay finishes the set
		}
		switch {
		case t.local():
			if err := fs.deliver(t); err != nil {
				return false, err
			}
			if t.notify.Wants(queue.NotifySuccess) {
				delivered = append(delivered, t)
			}
			fs.a.stepped("deliver", fs.id)
		case t.act == actExternal:
			ext = append(ext, t)
		case t.act == actFail:
			if err := fs.fail(t); err != nil {
				return false, err
			}
			failed = append(failed, t)
			fs.a.stepped("fail", fs.id)
		default:
			fs.logged(t, "")
		}
	}
	if len(ext) > 0 {
		if err := fs.ctx.Err(); err != nil {
			return false, err
		}
		if err := fs.external(ext); err != nil {
			return false, err
		}
		fs.a.stepped("external", fs.id)
	}
	if len(failed) > 0 || len(delivered) > 0 {
		if err := fs.ctx.Err(); err != nil {
			return false, err
		}
		if err := fs.bounce(failed, delivered); err != nil {
			return false, err
		}
	}
	return len(ext) > 0, nil
}

// deliver writes the copy of one local target.
func (fs *filing) deliver(t target) error {
	hdr := append(deliveryHeader(fs.env.From, t, fs.env.Tracking, fs.h.hasGUID), fs.h.kept...)
	body := io.NewSectionReader(fs.f, fs.h.bodyOff, fs.size-fs.h.bodyOff)
	wrote, err := fs.a.tree.Deliver(t.addr, t.act == actUnknown, fs.id, hdr, body)
	switch {
	case errors.Is(err, address.ErrUnsafe):
		return malformed("recipient %d %q cannot name a mailbox folder", t.n, t.addr)
	case errors.Is(err, queue.ErrTooBig):
		return malformed("the message is too big for the users folder's file system: %v", err)
	case err != nil:
		return err
	}
	if t.loop != "" {
		fs.a.log.MDAAliasLoop(string(fs.id), t.addr, t.loop)
	}
	if !wrote {
		fs.logged(t, "") // a replay: the copy is there already
		return nil
	}
	fs.logged(t, t.folder)
	fs.a.retain.added(t.folder, fs.id, fs.copySize(hdr))
	if t.act == actMailbox {
		fs.queueScripts(t)
	}
	return nil
}

// external writes the external set: the envelope with the external
// recipients only, each pending again, and the message without any
// Return-Path field, which belongs only to a final delivery (RFC 5321 §4.4).
func (fs *filing) external(ts []target) error {
	env := fs.env.Clone()
	env.Recipients = env.Recipients[:0]
	for _, t := range ts {
		env.Recipients = append(env.Recipients, queue.Recipient{N: t.n, Addr: t.addr, Orig: t.orig,
			Notify: t.notify, ORcpt: t.orcpt})
	}
	err := fs.a.tree.WriteSet(queue.External, env, fs.message())
	already := errors.Is(err, queue.ErrExists)
	if err != nil && !already {
		return err
	}
	for _, t := range ts {
		dest := "external/" + string(env.ID)
		if already {
			dest = "" // a replay: written by the interrupted run
		}
		fs.logged(t, dest)
	}
	return nil
}

// fail gives up one recipient: a copy in failed/ named <id>-<n>, with the
// reason as its result, for the administrator; the sender hears of it
// through the failure notice (bounce).
func (fs *filing) fail(t target) error {
	env := fs.env.Clone()
	env.ID = fs.id.Derive(t.n)
	env.Recipients = []queue.Recipient{{N: t.n, Addr: t.addr, Orig: t.orig, Status: queue.StatusFailed,
		Result: t.result, Notify: t.notify, ORcpt: t.orcpt}}
	err := fs.a.tree.WriteSet(queue.Failed, env, fs.message())
	already := errors.Is(err, queue.ErrExists)
	if err != nil && !already {
		return err
	}
	why := "no such user (RefileUnknownUsers=False)"
	if t.result != noSuchUser {
		why = "not an address that can name a mailbox"
	}
	dest := why + ", kept in failed/" + string(env.ID)
	if already {
		dest = ""
	}
	fs.logged(t, dest)
	return nil
}

// message returns the message as it goes to another queue folder: its
// header without Return-Path, then the rest unchanged.
func (fs *filing) message() io.Reader {
	return io.MultiReader(bytes.NewReader(fs.h.kept), io.NewSectionReader(fs.f, fs.h.bodyOff, fs.size-fs.h.bodyOff))
}

// logged records the decision for t; dest "" marks a step an earlier run
// already did (or a duplicate recipient).
func (fs *filing) logged(t target, dest string) {
	act := t.act.log()
	switch {
	case t.act == actDuplicate:
		dest = fmt.Sprintf("same copy as recipient %d", t.dupOf)
	case dest == "":
		act = logs.MDAAlready
	case t.local():
		dest = filepath.Base(dest)
		if t.act == actUnknown {
			dest = "unknown/" + dest
		}
	}
	fs.a.log.MDAFiled(logs.MDARecipient{ID: string(fs.id), Tracking: fs.env.Tracking, Sender: fs.env.From,
		Rcpt: t.addr, Orig: t.orig, Action: act, Dest: dest})
}

// quarantine moves the set to bad/ with reason, and logs it. It returns an
// error only when the move failed, so the set is tried again later.
func (a *Agent) quarantine(id queue.ID, reason string) error {
	if err := a.tree.Quarantine(queue.Incoming, id, reason); err != nil && !errors.Is(err, queue.ErrNotFound) {
		return fmt.Errorf("mda: quarantine (%s): %w", reason, err)
	}
	a.log.MDAQuarantined(string(id), reason)
	return nil
}

// stepped calls the test hook, if any.
func (a *Agent) stepped(name string, id queue.ID) {
	if a.step != nil {
		a.step(name, id)
	}
}

func stack() []byte { return debug.Stack() }
