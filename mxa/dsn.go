package mxa

import (
	"bufio"
	"errors"
	"strings"

	"mailq/dsn"
	"mailq/queue"
)

// noticeRecipients works out what the failure notice says of each failed
// recipient, from the outcome kept in its Result field: the status and
// reply of the server that refused it (Remote-MTA, diagnostic type smtp),
// or of the local condition (no Remote-MTA), RFC 3464 §2.3.
func noticeRecipients(failed []queue.Recipient) []dsn.Recipient {
	out := make([]dsn.Recipient, 0, len(failed))
	for _, r := range failed {
		rep := parseResult(r.Result, true)
		remote := ""
		if rep.Host != "" {
			remote, _, _ = strings.Cut(rep.Host, "[") // name[ip]: the name
			if remote == "" {
				remote = strings.Trim(rep.Host, "[]") // no name: the address
			}
		}
		out = append(out, dsn.Recipient{Addr: r.Addr, Orig: r.Orig, Status: rep.Status(),
			RemoteMTA: remote, Diagnostic: rep.Error(), Text: r.Result})
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
