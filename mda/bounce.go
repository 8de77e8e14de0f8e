package mda

import (
	"strings"

	"mailq/dsn"
	"mailq/queue"
)

// The results of a local recipient given up (RFC 3463 §3.2): noSuchUser
// for an unknown user with RefileUnknownUsers off (X.1.1 bad destination
// mailbox address), badAddress for a recipient that is not an address or
// cannot name a mailbox folder (X.1.3 bad destination mailbox address
// syntax), as the SMTP server answers it at RCPT.
const (
	noSuchUser = "550 5.1.1 No such user here"
	badAddress = "550 5.1.3 Recipient address cannot be used for a mailbox here"
)

// status returns the enhanced status code of a result line, "5.1.1".
func status(result string) string {
	if f := strings.Fields(result); len(f) > 1 {
		return f[1]
	}
	return ""
}

// bounce writes the notice for the recipients given up (failed) and for
// those filed locally that asked for a success notice (delivered, RFC 3461
// NOTIFY=SUCCESS: Action delivered), one notice for both, into the incoming
// queue, from the null sender to the set's sender, for this agent to file
// like any message (RFC 5321 §6.1: mail accepted and then found
// undeliverable is reported to its sender). A failed recipient is named
// only if its NOTIFY asks for failures (absent NOTIFY does; NEVER never),
// and only with SMTPEnableFailureBounce on. There is no notice for a set
// from the null sender (RFC 5321 §4.5.5: nobody is told about a notice, so
// notices never loop).
//
// The notice is written by dsn's one notice step (Notice.Write), before the
// source is removed: a replay after a crash finds it (ErrExists), so the
// sender gets one notice. The agent files it only once the source has left
// the queue (queue.Tree.Held), so the replay always finds it.
func (fs *filing) bounce(failed, delivered []target) error {
	if fs.env.From == "" {
		return nil
	}
	var rcpts []dsn.Recipient
	nFailed := 0
	for _, t := range failed {
		if !fs.a.bounce || !t.notify.Wants(queue.NotifyFailure) {
			continue // RFC 3461 §4.1: NOTIFY=NEVER, or without FAILURE
		}
		if fs.withheld(t) {
			continue
		}
		nFailed++
		rcpts = append(rcpts, dsn.Recipient{Addr: t.addr, Orig: t.orig, ORcpt: t.orcpt,
			Status: status(t.result), Diagnostic: t.result})
	}
	for _, t := range delivered {
		if fs.withheld(t) {
			continue
		}
		rcpts = append(rcpts, dsn.Recipient{Addr: t.addr, Orig: t.orig, ORcpt: t.orcpt,
			Action: dsn.ActionDelivered, Status: "2.0.0"})
	}
	if len(rcpts) == 0 {
		return nil
	}
	header, body := dsn.Original(fs.message(), fs.env.Ret)
	n := &dsn.Notice{HostName: fs.a.hostName, Env: fs.env, Failed: rcpts,
		Header: header, Body: body, Now: fs.a.now()}
	wrote, err := n.Write(fs.a.tree, queue.Incoming)
	if err != nil {
		return err
	}
	fs.noticed = true
	if !wrote {
		return nil // written by an interrupted run
	}
	fs.a.stepped("bounced", fs.id)
	if nFailed > 0 {
		fs.a.log.MDABounce(string(fs.id), string(n.ID), fs.env.From, nFailed)
	}
	if len(rcpts) > nFailed {
		fs.a.log.Infof("MDA", "%s: success notice %s to <%s> for %d recipient(s) (NOTIFY=SUCCESS)",
			fs.id, n.ID, fs.env.From, len(rcpts)-nFailed)
	}
	return nil
}

// withheld reports, and logs, a recipient no notice may name (dsn.Withheld).
func (fs *filing) withheld(t target) bool {
	if !dsn.Withheld(fs.env, t.addr, t.orig) {
		return false
	}
	fs.a.log.Infof("MDA", "%s: no failure notice names <%s> (reached through the alias <%s>): the sender <%s> came from outside, unauthenticated",
		fs.id, t.addr, t.orig, fs.env.From)
	return true
}

// held returns the sets of ids that are this agent's failure notices of
// other sets in ids: those written before the notice field (queue format
// version 3), which have no other mark, after an upgrade. The dispatcher
// leaves them until their source has left the queue: filed earlier, a
// notice would be gone from the queue when a replay of its source (after a
// crash before the source's removal) writes it again, and the sender would
// get two. A notice written now says its source in its .auth, and file
// holds it (queue.Tree.Held).
func held(ids []queue.ID) map[queue.ID]bool {
	listed := make(map[queue.ID]bool, len(ids))
	for _, id := range ids {
		listed[id] = true
	}
	var out map[queue.ID]bool
	for _, id := range ids {
		if n := dsn.LocalID(id); listed[n] {
			if out == nil {
				out = map[queue.ID]bool{}
			}
			out[n] = true
		}
	}
	return out
}

// rescan asks the dispatcher for a scan of the queue, without blocking: a
// notice held while its source was filed can now be filed.
func (a *Agent) rescan() {
	select {
	case a.again <- struct{}{}:
	default: // a scan is asked for already
	}
}
