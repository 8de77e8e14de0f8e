package mxa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"mailq/logs"
	"mailq/queue"
)

// job is one pass over one set: attempt its due recipients, record each
// outcome, then file the set. Every step is recorded before the next, and
// each is safe to replay (DURABILITY rules 7 and 9):
//
//   - a recipient's final outcome (2yz delivered, 5yz failed) is written
//     into the set's .auth as soon as its transaction ends;
//   - a recipient to try again gets its own copy in retry/, <id>-<n> (never
//     a second one: a replay finds it, ErrExists), and only then is it
//     marked in the set as handed over, with its due time in next=;
//   - the set is filed (sent/, failed/, removed) only when every recipient
//     is delivered, failed or handed over;
//   - a failure notice is written into the incoming queue before the set
//     is filed, held there by the MDA until the set is filed (doc.go,
//     "Failure notices, exactly once").
type job struct {
	a      *Agent
	ctx    context.Context // the agent's: stop between steps when done
	folder queue.Folder
	env    *queue.Envelope
	now    time.Time
	retry  []*item // sets left in retry/, to add to the index
	// bounced is set when a failure notice was written: the MDA is woken
	// once the set is filed.
	bounced bool
	// blocked names a destination whose delivery slots were all taken: its
	// recipients were left as they were, and the set is not filed yet.
	blocked string
}

// result is what a job tells the scheduler.
type result struct {
	retry   []*item // sets it left in retry/, with their due times
	bounced bool    // it wrote a failure notice into the incoming queue
	err     error   // the set could not be processed and is to be tried later
	blocked string  // a destination that was full: run the set again when it has room
}

// run processes set id in folder. ctx stops it between steps; sctx, which
// ends a little later, bounds the SMTP sessions.
func (a *Agent) run(ctx, sctx context.Context, folder queue.Folder, id queue.ID) result {
	env, err := a.tree.Envelope(folder, id)
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return result{} // removed by hand meanwhile
	case errors.Is(err, queue.ErrMalformed):
		if qerr := a.tree.Quarantine(folder, id, err.Error()); qerr != nil {
			return result{err: qerr}
		}
		a.log.MXAErrorf(string(id), "unreadable envelope, moved to bad/: %v", err)
		return result{}
	case err != nil:
		return result{err: err}
	}
	if err := checkAddresses(env); err != nil {
		// Not one byte of it goes on the wire: the set is put aside for
		// the administrator, with the reason in its .why file.
		if qerr := a.tree.Quarantine(folder, id, "address not fit to send: "+err.Error()); qerr != nil {
			return result{err: qerr}
		}
		a.log.MXAErrorf(string(id), "moved to bad/: address not fit to send: %v", err)
		return result{}
	}
	if held, err := a.holdRefused(folder, id, env); held {
		return result{err: err} // capture mode (capture.go)
	}
	if folder == queue.Retry && env.From == "" && id.Copy() == 0 && env.Notice.IsZero() {
		// Perhaps a failure notice an older mailq staged in retry/ (the
		// sets this agent files there have derived ids): release it once
		// its set is filed.
		if staged, res := a.releaseStaged(id); staged {
			return res
		}
	}
	j := &job{a: a, ctx: ctx, folder: folder, env: env, now: a.now()}
	due, err := j.due()
	if err == nil && len(due) > 0 {
		err = j.attempt(sctx, due)
	}
	if err == nil && ctx.Err() == nil && j.blocked == "" {
		// When stopping, filing is left for the next start; a set waiting
		// for a busy destination is filed after its turn.
		err = j.file()
	}
	return result{retry: j.retry, bounced: j.bounced, err: err, blocked: j.blocked}
}

// selfCopy reports whether recipient r's own copy is this set.
func (j *job) selfCopy(r *queue.Recipient) bool { return j.env.ID.Derive(r.N) == j.env.ID }

// handedOver reports whether pending recipient r is in the care of its own
// copy in retry/ rather than of this set.
func (j *job) handedOver(r *queue.Recipient) (bool, error) {
	if j.selfCopy(r) {
		return false, nil
	}
	if !r.Next.IsZero() {
		return true, nil // marked after the copy was written
	}
	// A crash between writing the copy and marking the set leaves no
	// mark: look for the copy.
	f, err := j.a.tree.Open(queue.Retry, j.env.ID.Derive(r.N))
	if err == nil {
		f.Close()
		return true, nil
	}
	if errors.Is(err, queue.ErrNotFound) {
		return false, nil
	}
	return false, err
}

// due returns the indexes of the recipients to attempt now.
func (j *job) due() ([]int, error) {
	var due []int
	for i := range j.env.Recipients {
		r := &j.env.Recipients[i]
		if r.Status != queue.StatusPending {
			continue
		}
		over, err := j.handedOver(r)
		if err != nil {
			return nil, err
		}
		if over {
			continue
		}
		if j.selfCopy(r) && j.folder == queue.External && !r.Next.IsZero() {
			continue // deferred already; file() moves the set to retry/
		}
		if r.Next.After(j.now) {
			continue
		}
		due = append(due, i)
	}
	return due, nil
}

// attempt delivers the due recipients, grouped by destination, one group
// after another.
func (j *job) attempt(sctx context.Context, due []int) error {
	f, err := j.a.tree.Open(j.folder, j.env.ID)
	if err != nil {
		return err
	}
	f.Close()
	m := &message{from: j.env.From, body8: j.env.Body == queue.Body8BitMIME, utf8: j.env.SMTPUTF8, size: j.env.Size,
		open: func() (io.ReadCloser, error) { return j.a.tree.Open(j.folder, j.env.ID) },
		dsn:  newDSNRequest(j.env)}
	j.signed(m) // dkim.go
	for _, g := range j.groups(sctx, due) {
		if j.ctx.Err() != nil {
			return nil
		}
		connects := len(g.plan.targets) > 0
		if connects && !j.a.dests.acquire(g.plan.key) {
			// Its recipients stay as they are, for the set's next turn.
			j.a.log.MXAInfof(string(j.env.ID), "%s has %d deliveries in progress (MaxConnectionsPerDestination): %s waits for one to end",
				strings.TrimPrefix(strings.TrimPrefix(g.plan.key, "mx:"), "host:"), j.a.dests.max, strings.Join(g.rcpts, " "))
			if j.blocked == "" {
				j.blocked = g.plan.key
			}
			continue
		}
		var recErr error
		done := func(k []int, r []*Reply) {
			if err := j.record(g, k, r); err != nil && recErr == nil {
				recErr = err
			}
		}
		temp, faked := j.chaos(sctx, g, done) // chaos.go
		if !faked {
			temp = j.a.deliver(sctx, string(j.env.ID), m, g, done)
		}
		if connects {
			j.a.dests.release(g.plan.key)
		}
		if sctx.Err() != nil {
			return recErr // interrupted: the temporary replies are not outcomes
		}
		var k []int
		var r []*Reply
		for i, rep := range temp {
			if rep != nil {
				k, r = append(k, i), append(r, rep)
			}
		}
		if len(k) > 0 {
			done(k, r)
		}
		if recErr != nil {
			return recErr
		}
	}
	return nil
}

// groups routes the due recipients and groups those that share a
// destination, in the order of their first recipient.
func (j *job) groups(ctx context.Context, due []int) []*group {
	plans := map[string]plan{} // by domain
	byKey := map[string]*group{}
	var out []*group
	for _, i := range due {
		addr := j.env.Recipients[i].Addr
		d := domainOf(addr)
		p, ok := plans[d]
		if !ok {
			if j.a.self.local != nil && j.a.self.local(d) {
				p = plan{key: "local:" + d, err: local("4.4.6", "%s is a domain of this server: mail for it must not leave", d)}
			} else {
				p = j.a.router.route(ctx, d)
			}
			plans[d] = p
		}
		g := byKey[p.key]
		if g == nil {
			g = &group{plan: p}
			byKey[p.key] = g
			out = append(out, g)
		}
		g.idx = append(g.idx, i)
		g.rcpts = append(g.rcpts, addr)
	}
	return out
}

// record writes the outcomes of recipients k (indexes into g) into the
// envelope: first the retry copies of deferred ones, then the .auth.
func (j *job) record(g *group, k []int, replies []*Reply) error {
	id := string(j.env.ID)
	before := j.env.Clone()
	var copies []*item
	for n, kk := range k {
		r := &j.env.Recipients[g.idx[kk]]
		rep := replies[n]
		r.Attempts++
		res := logs.MXASent
		switch {
		case rep.Code/100 == 2:
			r.Status = queue.StatusDelivered
			r.Passed = rep.Passed // the next hop reports success itself (dsn.go)
		case !rep.Temporary():
			r.Status = queue.StatusFailed
			res = logs.MXAFailed
		case j.expired():
			rep = local("4.4.7", "gave up after %s (MessageExpiry); last result: %s", fmtDuration(j.a.opt.MXA.Expiry), formatResult(rep))
			r.Status = queue.StatusFailed
			res = logs.MXAFailed
		default:
			r.Next = j.nextTry()
			res = logs.MXADeferred
		}
		r.Result = formatResult(rep)
		if res == logs.MXADeferred && !j.selfCopy(r) {
			it, err := j.writeCopy(r)
			if err != nil {
				*j.env = *before // nothing of this batch is recorded
				return err
			}
			copies = append(copies, it)
		}
		j.a.log.MXADelivery(id, rep.Host, r.Addr, res, rep.Error())
	}
	if err := j.a.tree.UpdateEnvelope(j.folder, j.env); err != nil {
		for n := range k {
			if replies[n].Code/100 == 2 {
				// DURABILITY rule 9: the only duplicate left; say so.
				j.a.log.MXAErrorf(id, "%s accepted %s but mailq could not record it (%v): it may be sent again", replies[n].Host, g.rcpts[k[n]], err)
			}
		}
		*j.env = *before
		return fmt.Errorf("mxa: record results of %s: %w", id, err)
	}
	j.retry = append(j.retry, copies...)
	j.a.step("recorded")
	return nil
}

// writeCopy writes the retry copy of recipient r: the message with r alone.
func (j *job) writeCopy(r *queue.Recipient) (*item, error) {
	c := j.env.Clone()
	c.ID = j.env.ID.Derive(r.N)
	c.Recipients = []queue.Recipient{*r}
	f, err := j.a.tree.Open(j.folder, j.env.ID)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	err = j.a.tree.WriteSet(queue.Retry, c, f)
	if err != nil && !errors.Is(err, queue.ErrExists) {
		return nil, err
	}
	j.a.step("copied")
	return &item{folder: queue.Retry, id: c.ID, due: r.Next}, nil
}

func (j *job) expired() bool {
	exp := j.a.opt.MXA.Expiry
	return exp > 0 && !j.env.Received.IsZero() && !j.now.Before(j.env.Received.Add(exp))
}

// nextTry is the due time of a deferred recipient: RetryInterval and up to
// a tenth more at random, so that mail held up by one outage does not all
// come back at the same moment.
func (j *job) nextTry() time.Time {
	iv := j.a.opt.MXA.RetryInterval
	if iv <= 0 {
		iv = time.Minute
	}
	jitter := time.Duration(rand.Int64N(int64(iv)/10 + 1))
	return j.now.Add(iv + jitter).UTC().Round(0)
}

// file puts the set where it belongs once no recipient is due: retry/ while
// one of its own recipients waits; else failed/ if any failed (with a failure
// notice), sent/ if any was delivered, and nowhere when all were handed over
// to their copies.
func (j *job) file() error {
	j.a.step("filing")
	id := string(j.env.ID)
	var failed, relayed []queue.Recipient
	var waitIdx []int
	delivered, waiting := false, false
	var wait time.Time
	for i := range j.env.Recipients {
		r := &j.env.Recipients[i]
		switch r.Status {
		case queue.StatusFailed:
			failed = append(failed, *r)
		case queue.StatusDelivered:
			delivered = true
			if r.Notify.Wants(queue.NotifySuccess) && !r.Passed {
				relayed = append(relayed, *r) // RFC 3461 §6.2.2: Action relayed
			}
		default:
			over, err := j.handedOver(r)
			if err != nil {
				return err
			}
			if !over {
				next := r.Next
				if next.Before(j.now) {
					next = j.now
				}
				if !waiting || next.Before(wait) {
					wait = next
				}
				waiting = true
				waitIdx = append(waitIdx, i)
			}
		}
	}
	if waiting {
		if err := j.warnDelay(waitIdx); err != nil { // dsn.go
			return err
		}
		if j.folder != queue.Retry {
			if err := j.a.tree.Move(j.env.ID, j.folder, queue.Retry); err != nil {
				return err
			}
		}
		j.retry = append(j.retry, &item{folder: queue.Retry, id: j.env.ID, due: wait})
		j.a.log.MXAFiled(id, "retry")
		return nil
	}
	if len(failed) > 0 {
		return j.fileFailed(failed, relayed)
	}
	if len(relayed) > 0 {
		noticed, _, err := j.bounce(nil, relayed)
		if err != nil {
			return err
		}
		j.bounced = noticed // woken once the set is filed: the notice is held till then
	}
	if delivered && !j.a.opt.MXA.DeleteOnSend {
		return j.archive(queue.Sent)
	}
	if err := j.a.tree.Remove(j.folder, j.env.ID); err != nil {
		return err
	}
	j.a.log.MXAFiled(id, "removed")
	return nil
}

// fileFailed writes the failure notice for the failed recipients (and the
// success notice for relayed ones, in the same notice), then files the set
// into failed/ (doc.go, "Failure notices, exactly once").
func (j *job) fileFailed(failed, relayed []queue.Recipient) error {
	noticed, staged, err := j.bounce(failed, relayed)
	if err != nil {
		return err
	}
	if err := j.archive(queue.Failed); err != nil {
		return err
	}
	if !noticed {
		return nil
	}
	j.a.step("archived")
	if staged != "" {
		if err := j.a.release(staged); err != nil {
			// The set is filed: its job will not run again. The notice's
			// own item finishes the move (run, releaseStaged).
			j.retry = append(j.retry, &item{folder: queue.Retry, id: staged, due: j.now})
			return err
		}
	}
	j.bounced = true // the MDA is woken: the notice is no longer held
	j.a.step("bounced")
	return nil
}

// archive moves the finished set to sent/ or failed/. A set of the same name
// there already (a copy that went its own way) keeps its place; this one is
// removed, as its recipients' outcomes are logged.
func (j *job) archive(to queue.Folder) error {
	err := j.a.tree.Move(j.env.ID, j.folder, to)
	if errors.Is(err, queue.ErrExists) {
		j.a.log.MXAWarnf(string(j.env.ID), "%s already holds a set with this id; removing this one", to)
		err = j.a.tree.Remove(j.folder, j.env.ID)
	}
	if err != nil {
		return err
	}
	j.a.log.MXAFiled(string(j.env.ID), to.String())
	return nil
}
