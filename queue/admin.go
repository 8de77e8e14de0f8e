package queue

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Operations for an administrator (the web instance): look at waiting and
// failed sets without changing them, and hand a set back to the MXA. Each
// change is made of the durable steps the agents use (UpdateEnvelope, Move,
// Remove), so a crash between two steps leaves a tree the agents and
// Recover already know how to settle.

// ErrBusy is returned when an administrative change would race an agent:
// the set is due now, so the MXA may be delivering it at this moment.
var ErrBusy = errors.New("queue: set is due now; the MXA may be working on it")

// ErrNotWaiting is returned by RetryNow for a set with no recipient of its
// own waiting for a next attempt (a staged failure notice, or a set the MXA
// is about to file).
var ErrNotWaiting = errors.New("queue: set has no recipient waiting for a retry")

// BusyLead is how far in the future every waiting recipient's next attempt
// must be for RetryNow or Remove through DeleteWaiting to go ahead. The MXA
// runs a retry set when its earliest next attempt comes; a set due later
// than this is not being worked on, and will not be before the change is
// made.
const BusyLead = 5 * time.Second

// PeekEnvelope reads the envelope of the committed set id in f without
// filling in or recording anything (unlike Envelope): for viewers, which
// must not write into folders the agents own.
func (t *Tree) PeekEnvelope(f Folder, id ID) (*Envelope, error) {
	dir, err := t.setDir(f, id)
	if err != nil {
		return nil, err
	}
	e, _, err := readEnvelope(filepath.Join(dir, authName(id)))
	if isNotExist(err) {
		return nil, fmt.Errorf("%w: %s in %s", ErrNotFound, id, f)
	}
	if err != nil {
		return nil, fmt.Errorf("queue: read envelope %s in %s: %w", id, f, err)
	}
	return e, nil
}

// Has reports whether the committed set id is in f.
func (t *Tree) Has(f Folder, id ID) bool {
	dir, err := t.setDir(f, id)
	return err == nil && exists(filepath.Join(dir, authName(id))) && exists(filepath.Join(dir, emlName(id)))
}

// checkNotDue returns ErrBusy if a pending recipient of env is due within
// BusyLead of now.
func checkNotDue(env *Envelope, now time.Time) error {
	for _, r := range env.Recipients {
		if r.Status == StatusPending && r.Next.Before(now.Add(BusyLead)) {
			return ErrBusy
		}
	}
	return nil
}

// RetryNow makes the retry copy id due at once. The running MXA indexes
// retry/ only at start, but scans the external queue every few hundred
// milliseconds, so the copy goes back there: its waiting recipients get no
// next time (due now), the envelope is recorded (UpdateEnvelope), then the
// set moves from retry/ to external/ (Move). The MXA attempts it at once
// and, if it is deferred again, files it back into retry/ as usual. A crash
// between the two steps leaves a copy in retry/ that is due now, which the
// MXA runs at its next start; a replay finishes the move.
//
// Only per-recipient copies (ids with a copy number) are retried this way,
// and only while every waiting recipient is due more than BusyLead from now
// (ErrBusy otherwise: the MXA is trying it already).
func (t *Tree) RetryNow(id ID) error {
	wrap := func(err error) error { return wrapErr(err, "queue: retry %s now", id) }
	if t.Has(External, id) && !t.Has(Retry, id) {
		return nil // done before: a replay
	}
	env, err := t.PeekEnvelope(Retry, id)
	if err != nil {
		return err
	}
	if id.Copy() == 0 {
		return wrap(ErrNotWaiting)
	}
	if err := checkNotDue(env, t.now()); err != nil {
		return wrap(err)
	}
	waiting := false
	for i := range env.Recipients {
		r := &env.Recipients[i]
		if r.Status == StatusPending && id.Base().Derive(r.N) == id {
			r.Next, waiting = time.Time{}, true
		}
	}
	if !waiting {
		return wrap(ErrNotWaiting)
	}
	if err := t.UpdateEnvelope(Retry, env); err != nil {
		return err
	}
	t.step("retrynow:updated")
	return t.Move(id, Retry, External)
}

// Requeue hands the failed set id back to the MXA: its failed recipients
// become pending again with no next time (their attempts and last result
// are kept, for the record), the envelope is recorded in failed/, and the
// set moves to the external queue, which the running MXA scans (see
// RetryNow for why not retry/). Expiry still counts from the original
// receive time: a set that failed by expiry fails again at its next
// attempt unless MessageExpiry was raised. A replay after a crash between
// the steps finishes the move; a set already moved is not an error.
func (t *Tree) Requeue(id ID) error {
	wrap := func(err error) error { return wrapErr(err, "queue: requeue %s", id) }
	if t.Has(External, id) && !t.Has(Failed, id) {
		return nil // done before: a replay
	}
	env, err := t.PeekEnvelope(Failed, id)
	if err != nil {
		return err
	}
	changed := false
	for i := range env.Recipients {
		r := &env.Recipients[i]
		if r.Status == StatusFailed {
			r.Status, r.Next, changed = StatusPending, time.Time{}, true
		}
	}
	if changed {
		if err := t.UpdateEnvelope(Failed, env); err != nil {
			return err
		}
		t.step("requeue:updated")
	} else if !hasPending(env) {
		return wrap(ErrNotWaiting)
	}
	return t.Move(id, Failed, External)
}

func hasPending(env *Envelope) bool {
	for _, r := range env.Recipients {
		if r.Status == StatusPending {
			return true
		}
	}
	return false
}

// DeleteWaiting removes the set id from retry/ (Remove), but only while
// none of its recipients is due within BusyLead (ErrBusy otherwise), so it
// never pulls a set from under a delivery in progress.
func (t *Tree) DeleteWaiting(id ID) error {
	env, err := t.PeekEnvelope(Retry, id)
	if err != nil {
		return err
	}
	if err := checkNotDue(env, t.now()); err != nil {
		return wrapErr(err, "queue: delete %s from retry", id)
	}
	return t.Remove(Retry, id)
}
