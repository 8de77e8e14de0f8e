package smtp

import (
	"fmt"
)

// replyNotFileable refuses a local recipient whose mailbox folder could not
// be named (address.SafeName): RFC 3463 §3.2, X.1.3 bad destination mailbox
// address. Refusing it here is what keeps it from reaching the MDA after a
// 250.
var replyNotFileable = reply(550, "5.1.3", "Recipient address cannot be used for a mailbox here")

// checkUnknown decides an unknown user at a local domain (not postmaster).
// Every one is counted against the harvest limit (Guard.UnknownRecipient),
// refiled or not: RefileUnknownUsers=True must not turn a harvester's
// guesses into free folders. With refiling off it is refused (550 5.1.1);
// with it on it is accepted when its folder can be named and, for an
// address without a folder yet, while the unknown folder holds fewer than
// MaxUnknownFolders. Beyond that it is refused like an unknown user with
// refiling off: the sender's server then reports it at once, where a 4xx
// would have it retried for days while the folder stays full.
func (s *session) checkUnknown(addr string) (Reply, bool) {
	s.unknown++
	if err := s.srv.guard.UnknownRecipient(s.client(), addr, s.unknown); err != nil {
		return replyFor(err), true
	}
	o := &s.srv.opt
	if !o.RefileUnknown {
		return replyNoSuchUser, true
	}
	if r, refused := fileable(addr); refused {
		return r, true
	}
	limit := o.UnknownCap
	if limit <= 0 || o.Tree == nil {
		return Reply{}, false
	}
	known, n, err := o.Tree.UnknownFolders(addr, limit)
	switch {
	case err != nil:
		s.srv.log.SMTPFailed(s.logConn(), "cannot count the unknown users' folders", err, "")
		return replyLocalError, true
	case !known && n >= limit:
		s.srv.log.SMTPFailed(s.logConn(), "refused <"+addr+">",
			fmt.Errorf("the unknown folder holds %d folders ([MDA] MaxUnknownFolders)", n), "")
		return replyNoSuchUser, true
	}
	return Reply{}, false
}
