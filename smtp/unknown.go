package smtp

import (
	"fmt"
	"sync"
	"time"

	"mailq/queue"
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
	if limit <= 0 {
		return Reply{}, false
	}
	allowed, err := s.srv.folders.allow(o.Tree, addr, limit, s.srv.now())
	switch {
	case err != nil:
		s.srv.log.SMTPFailed(s.logConn(), "cannot count the unknown users' folders", err, "")
		return replyLocalError, true
	case !allowed:
		s.srv.log.SMTPFailed(s.logConn(), "refused <"+addr+">",
			fmt.Errorf("the unknown folder holds %d folders or more ([MDA] MaxUnknownFolders)", limit), "")
		return replyNoSuchUser, true
	}
	return Reply{}, false
}

// foldersTTL is how long a count of the unknown folder is reused: listing
// up to MaxUnknownFolders names for every RCPT of a new unknown user would
// let a client make the server read the folder as fast as it can send.
const foldersTTL = time.Second

// unknownFolders counts the folders under the unknown folder for RCPT,
// shared by the server's sessions. The zero value is ready.
type unknownFolders struct {
	mu sync.Mutex
	at time.Time // when n was counted; zero: never
	n  int       // folders then, plus new names accepted since
}

// allow reports whether addr may be refiled: it has a folder already, or
// the folders, counted at most foldersTTL ago, are fewer than limit. A new
// name it allows is added to the count at once, so that the names accepted
// before the MDA makes their folders count too.
func (f *unknownFolders) allow(t *queue.Tree, addr string, limit int, now time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fresh := !f.at.IsZero() && now.Sub(f.at) >= 0 && now.Sub(f.at) < foldersTTL
	count := limit
	if fresh {
		count = 0 // only whether addr has a folder
	}
	known, n, err := t.UnknownFolders(addr, count)
	if err != nil || known {
		return known, err
	}
	if !fresh {
		f.at, f.n = now, n
	}
	if f.n >= limit {
		return false, nil
	}
	f.n++
	return true, nil
}
