package pop3

import (
	"errors"
	"fmt"
	"sync"

	"mailq/lockfile"
	"mailq/queue"
	"mailq/wire"
)

// message is one message of a session's maildrop. Its number is its index
// plus one, fixed for the session (RFC 1939 §5).
type message struct {
	id      queue.ID
	size    int64 // octets as sent: wire.DotWriter's Size (RFC 1939 §11)
	deleted bool  // marked by DELE
}

// maildrop is a logged-in session's view of its mailbox: the messages listed
// at login, their sizes, the deletion marks and the mailbox lock.
type maildrop struct {
	user string
	mb   *queue.Mailbox
	lock *lockfile.Lock
	msgs []message
	last int // LAST: the highest message number retrieved
}

// openMaildrop locks user's mailbox and lists it. A mailbox locked by a live
// session, in this process or another, gives a *lockfile.HeldError
// (-ERR [IN-USE]); a lock left by a process that died is taken over and
// reported through tookOver.
func (s *Server) openMaildrop(user string) (md *maildrop, tookOver *lockfile.Stale, err error) {
	mb, err := s.opt.Tree.Mailbox(user)
	if err != nil {
		return nil, nil, err
	}
	lock, err := lockfile.Acquire(mb.LockPath())
	if err != nil {
		return nil, nil, err
	}
	list, err := mb.List()
	if err == nil {
		var msgs []message
		msgs, err = s.sizes.measure(user, mb, list)
		md = &maildrop{user: user, mb: mb, lock: lock, msgs: msgs}
	}
	if err != nil {
		lock.Release()
		return nil, lock.TookOver, err
	}
	return md, lock.TookOver, nil
}

// stat returns the number and total size of the messages not marked as
// deleted.
func (md *maildrop) stat() (n int, size int64) {
	for _, m := range md.msgs {
		if !m.deleted {
			n++
			size += m.size
		}
	}
	return n, size
}

// marked returns the number of messages marked as deleted.
func (md *maildrop) marked() int {
	n := 0
	for _, m := range md.msgs {
		if m.deleted {
			n++
		}
	}
	return n
}

// lookup finds message number arg. It returns nil and the reply for a
// malformed number, one out of range, or a message marked as deleted
// (RFC 1939 §5).
func (md *maildrop) lookup(arg string) (*message, int, Reply) {
	n, valid := parseNumber(arg)
	switch {
	case !valid:
		return nil, 0, replySyntax
	case n < 1 || n > len(md.msgs):
		return nil, 0, replyNoSuchMsg
	case md.msgs[n-1].deleted:
		return nil, 0, replyDeletedMsg
	}
	return &md.msgs[n-1], n, Reply{}
}

// reset unmarks every message (RSET) and forgets LAST.
func (md *maildrop) reset() {
	for i := range md.msgs {
		md.msgs[i].deleted = false
	}
	md.last = 0
}

// update removes the marked messages (RFC 1939 §6), or moves them to the
// mailbox's deleted folder when archive is set (POPRenameOnDelete). It goes
// on after a failure and returns how many were removed and the errors.
func (md *maildrop) update(archive bool, done func(id string, archived bool)) (removed int, err error) {
	var errs []error
	for _, m := range md.msgs {
		if !m.deleted {
			continue
		}
		var e error
		if archive {
			e = md.mb.Archive(m.id)
			if errors.Is(e, queue.ErrNotFound) {
				e = nil // removed by someone else meanwhile: gone all the same
			}
		} else {
			e = md.mb.Delete(m.id)
		}
		if e != nil {
			errs = append(errs, e)
			continue
		}
		removed++
		done(string(m.id), archive)
	}
	return removed, errors.Join(errs...)
}

// cachedSize is the measured size of a message file of a given length.
type cachedSize struct {
	fileSize int64
	size     int64
}

// sizeCache keeps the sizes measured at earlier logins, so a client that
// polls a mailbox it leaves mail in does not have every message read again
// at each login. Messages never change under their id; the file length is
// checked all the same. Each login replaces its user's entry with the
// messages listed, so the cache holds no more than the mailboxes do. A
// mailbox's sizes are also kept in its size cache file (sizes.go), so a
// restart does not have every message read again either.
type sizeCache struct {
	mu    sync.Mutex
	users map[string]map[queue.ID]cachedSize
}

// measure returns the session's messages with their sizes as sent, reading
// each message not measured before through the dot-encoder (one encoding,
// so STAT, LIST and RETR agree: RFC 1939 §11).
func (sc *sizeCache) measure(user string, mb *queue.Mailbox, list []queue.Message) ([]message, error) {
	sc.mu.Lock()
	old, inMemory := sc.users[user]
	sc.mu.Unlock()
	if !inMemory {
		old = loadSizes(mb) // the first login since the start
	}
	known := make(map[queue.ID]cachedSize, len(list))
	msgs := make([]message, 0, len(list))
	changed := false
	for _, lm := range list {
		c, hit := old[lm.ID]
		if !hit || c.fileSize != lm.Size {
			size, err := measureFile(mb, lm.ID)
			if errors.Is(err, queue.ErrNotFound) {
				continue // removed since the listing
			}
			if err != nil {
				return nil, err
			}
			c, changed = cachedSize{fileSize: lm.Size, size: size}, true
		}
		known[lm.ID] = c
		msgs = append(msgs, message{id: lm.ID, size: c.size})
	}
	if changed || len(known) != len(old) {
		saveSizes(mb, msgs, known)
	}
	sc.mu.Lock()
	sc.users[user] = known
	sc.mu.Unlock()
	return msgs, nil
}

func measureFile(mb *queue.Mailbox, id queue.ID) (int64, error) {
	f, err := mb.Open(id)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size, err := wire.MessageSize(f)
	if err != nil {
		return 0, fmt.Errorf("pop3: measure %s: %w", id, err)
	}
	return size, nil
}
