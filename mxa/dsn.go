package mxa

import (
	"bufio"
	"errors"
	"slices"
	"strings"
	"time"

	"mailq/dsn"
	"mailq/queue"
)

// noticeRecipients works out what a notice says of each recipient, with
// action (dsn.ActionFailed, ActionDelayed, ActionRelayed), from the outcome
// kept in its Result field: the status and reply of the server that refused
// it, deferred it or took it (Remote-MTA, diagnostic type smtp), or of the
// local condition (no Remote-MTA), RFC 3464 §2.3.
func noticeRecipients(rcpts []queue.Recipient, action string) []dsn.Recipient {
	out := make([]dsn.Recipient, 0, len(rcpts))
	for _, r := range rcpts {
		rep := parseResult(r.Result, action == dsn.ActionFailed)
		remote := ""
		if rep.Host != "" {
			remote, _, _ = strings.Cut(rep.Host, "[") // name[ip]: the name
			if remote == "" {
				remote = strings.Trim(rep.Host, "[]") // no name: the address
			}
		}
		out = append(out, dsn.Recipient{Addr: r.Addr, Orig: r.Orig, ORcpt: r.ORcpt, Action: action,
			Status: rep.Status(), RemoteMTA: remote, Diagnostic: rep.Error(), Text: r.Result})
	}
	return out
}

// reportable returns the failed recipients a notice may name: those
// reached through an alias to another domain are left out, and logged, for
// mail from a remote sender that may be forged (dsn.Withheld, issue 22).
func (j *job) reportable(failed []queue.Recipient) []queue.Recipient {
	out := failed[:0:0]
	for _, r := range failed {
		if dsn.Withheld(j.env, r.Addr, r.Orig) {
			j.a.log.MXAInfof(string(j.env.ID), "no failure notice names <%s> (reached through the alias <%s>): the sender <%s> came from outside, unauthenticated",
				r.Addr, r.Orig, j.env.From)
			continue
		}
		out = append(out, r)
	}
	return out
}

// bounce writes the set's final notice with the notice step both agents
// share (dsn's Notice.Write): into the incoming queue, naming the set and
// its folder, where the MDA holds it until the set is filed. It names the
// failed recipients whose NOTIFY asks for failures (absent NOTIFY does,
// NEVER never: RFC 3461 §4.1), with SMTPEnableFailureBounce on, and the
// relayed ones: delivered to a next hop that did not take the DSN request
// over, with NOTIFY=SUCCESS (§6.2.2). It reports whether there is a notice:
// none for a message from the null sender (RFC 5321 §4.5.5: no notice
// about a notice). A notice written before a crash is found (ErrExists)
// and kept: it was rendered from the same record. staged is the failure
// notice an older mailq staged in retry/ for this set before an upgrade:
// file releases it, as that mailq would have. See "Failure notices,
// exactly once" in doc.go.
func (j *job) bounce(failed, relayed []queue.Recipient) (noticed bool, staged queue.ID, err error) {
	if j.env.From == "" {
		return false, "", nil
	}
	if !j.a.opt.MXA.FailureBounce {
		failed = nil
	}
	failed = slices.DeleteFunc(slices.Clone(failed), func(r queue.Recipient) bool { return !r.Notify.Wants(queue.NotifyFailure) })
	failed, relayed = j.reportable(failed), j.reportable(relayed)
	if len(failed) == 0 && len(relayed) == 0 {
		return false, "", nil
	}
	if len(failed) > 0 {
		old := dsn.ID(j.env.ID)
		if staged, err := j.a.isStaged(old); staged || err != nil {
			return staged, old, err
		}
	}
	n, err := j.notice(append(noticeRecipients(failed, dsn.ActionFailed), noticeRecipients(relayed, dsn.ActionRelayed)...), false)
	if err != nil {
		return false, "", err
	}
	wrote, err := n.Write(j.a.tree, j.folder)
	if err != nil {
		return false, "", err
	}
	if wrote {
		j.a.step("staged")
		if len(failed) > 0 {
			j.a.log.MXABounce(string(j.env.ID), string(n.ID), j.env.From, len(failed))
		}
		if len(relayed) > 0 {
			j.a.log.MXAInfof(string(j.env.ID), "success notice %s to <%s> for %d recipient(s) relayed to a server without DSN",
				n.ID, j.env.From, len(relayed))
		}
	}
	return true, "", nil
}

// notice builds a notice about the set for rcpts, with the set's original
// as its RET asks (dsn.Original).
func (j *job) notice(rcpts []dsn.Recipient, delay bool) (*dsn.Notice, error) {
	f, err := j.a.tree.Open(j.folder, j.env.ID)
	if err != nil {
		return nil, err
	}
	header, body := dsn.Original(f, j.env.Ret)
	f.Close()
	return &dsn.Notice{HostName: j.a.opt.HostName, Env: j.env, Failed: rcpts,
		Header: header, Body: body, Delay: delay, Now: j.a.now()}, nil
}

// warnDelay writes the delay notice (RFC 3464 Action: delayed) for the
// set's recipients that are still waiting (waiting: indexes), once
// DelayWarningHours have passed since the set was received, for those whose
// NOTIFY asks for DELAY (absent NOTIFY does, RFC 3461 §4.1). It is written
// at most once per set: dsn's Notice.Write under dsn.DelayID, held in the
// queue by the MDA until this set records it, then the recipients are
// marked warned= in the .auth before the set is moved (queue/doc.go,
// "Failure notices"). A replay before the mark finds the notice (ErrExists)
// and only marks; after the mark nothing is due.
func (j *job) warnDelay(waiting []int) error {
	after := j.a.opt.MXA.DelayWarning
	if after <= 0 || j.env.From == "" || j.env.Received.IsZero() || j.now.Before(j.env.Received.Add(after)) {
		return nil
	}
	var due []int
	var rcpts []queue.Recipient
	for _, i := range waiting {
		r := j.env.Recipients[i]
		if r.Warned.IsZero() && r.Notify.Wants(queue.NotifyDelay) {
			due = append(due, i)
			rcpts = append(rcpts, r)
		}
	}
	if len(due) == 0 {
		return nil
	}
	if rcpts = j.reportable(rcpts); len(rcpts) > 0 {
		n, err := j.notice(noticeRecipients(rcpts, dsn.ActionDelayed), true)
		if err != nil {
			return err
		}
		wrote, err := n.Write(j.a.tree, j.folder)
		if err != nil {
			return err
		}
		j.a.step("delay-written")
		if wrote {
			j.a.log.MXAInfof(string(j.env.ID), "delay notice %s to <%s>: not delivered after %s (DelayWarningHours)",
				n.ID, j.env.From, fmtDuration(after))
		}
	}
	before := j.env.Clone()
	for _, i := range due {
		j.env.Recipients[i].Warned = j.now.UTC().Round(0).Truncate(time.Second)
	}
	if err := j.a.tree.UpdateEnvelope(j.folder, j.env); err != nil {
		*j.env = *before
		return err
	}
	j.a.step("delay-marked")
	j.bounced = true // the MDA is woken: the notice is no longer held
	return nil
}

// Notices staged by an older mailq. Before queue format version 3 this
// agent staged its notices in retry/ and moved them into the incoming queue
// once their set was filed; a tree written by it may still hold one after
// an upgrade, and it is released as it would have been, exactly once. New
// notices go straight into the incoming queue (job.bounce, dsn's
// Notice.Write) and never pass through here.

// isStaged reports whether the notice n of an older mailq is staged in
// retry/ (committed there).
func (a *Agent) isStaged(n queue.ID) (bool, error) {
	f, err := a.tree.Open(queue.Retry, n)
	if errors.Is(err, queue.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	f.Close()
	return true, nil
}

// release moves the staged failure notice n from retry/ into the incoming
// queue, for the MDA to deliver. Move is idempotent: a move done before
// returns nil, a half-done one is finished. ErrNotFound means a concurrent
// release moved it (only a release takes a notice out of retry/).
func (a *Agent) release(n queue.ID) error {
	err := a.tree.Move(n, queue.Retry, queue.Incoming)
	if errors.Is(err, queue.ErrNotFound) {
		return nil
	}
	return err
}

// releaseStaged handles set n of retry/ if it is a failure notice an older
// mailq staged, and reports whether it is one. A notice whose set is still
// to be filed (in external/ or retry/) is left for that set's job, which
// finds it staged (isStaged) and releases it after filing the set:
// releasing it earlier would let the job write a new one. One whose set is filed is released:
// the job was interrupted between filing and release.
func (a *Agent) releaseStaged(n queue.ID) (bool, result) {
	src, err := a.noticeSource(n)
	if err != nil {
		if errors.Is(err, queue.ErrNotFound) {
			return true, result{} // released meanwhile
		}
		return true, result{err: err}
	}
	if src == "" {
		return false, result{}
	}
	for _, f := range []queue.Folder{queue.External, queue.Retry} {
		file, err := a.tree.Open(f, src)
		if err == nil {
			file.Close()
			return true, result{} // its set's job releases it
		}
		if !errors.Is(err, queue.ErrNotFound) {
			return true, result{err: err}
		}
	}
	if err := a.release(n); err != nil {
		return true, result{err: err}
	}
	a.log.MXAInfof(string(src), "failure notice %s moved into the queue (interrupted before)", n)
	return true, result{bounced: true}
}

// noticeSource returns the id of the set that the failure notice n in
// retry/ is about: the X-Mailq-Queue-ID of its delivery-status part, if n
// is dsn.ID of it; "" if n is not such a notice.
func (a *Agent) noticeSource(n queue.ID) (queue.ID, error) {
	f, err := a.tree.Open(queue.Retry, n)
	if err != nil {
		return "", err
	}
	defer f.Close()
	const field = "X-Mailq-Queue-ID:"
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if len(line) < len(field) || !strings.EqualFold(line[:len(field)], field) {
			continue
		}
		src := queue.ID(strings.TrimSpace(line[len(field):]))
		if src.Valid() && dsn.ID(src) == n {
			return src, nil
		}
		return "", nil
	}
	if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		return "", err // a read error: try again later, never send it from here
	}
	return "", nil // no field, or a line longer than ours: not a notice of ours
}
