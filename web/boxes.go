package web

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"mailq/lockfile"
	"mailq/queue"
)

// BoxInfo is one mailbox in the overview and the API.
type BoxInfo struct {
	Mailbox  string `json:"mailbox"` // the key used in URLs: the address, or unknown:<address>
	Address  string `json:"address"`
	Unknown  bool   `json:"unknown"`
	Messages int    `json:"messages"`
	Size     int64  `json:"size"`
}

// boxes lists the mailboxes v may see, with their counts and sizes. An
// account without a mailbox folder yet sees its own, empty.
func (s *Server) boxes(v *viewer) ([]BoxInfo, error) {
	refs, err := s.opt.Tree.Mailboxes()
	if err != nil {
		return nil, err
	}
	var out []BoxInfo
	own := false
	for _, ref := range refs {
		if !v.canSee(ref) {
			continue
		}
		list, size, err := s.index.list(ref)
		if err != nil && !errors.Is(err, queue.ErrNotFound) {
			return nil, err
		}
		own = own || (!ref.Unknown && ref.Addr == v.user)
		out = append(out, BoxInfo{Mailbox: boxKey(ref), Address: ref.Addr, Unknown: ref.Unknown, Messages: len(list), Size: size})
	}
	if v.user != "" && !v.admin && !own {
		out = append(out, BoxInfo{Mailbox: v.user, Address: v.user})
	}
	return out, nil
}

// filter is a search of a message list: q matches sender, recipients or
// subject; from, to and subject match their own field. All are
// case-insensitive substrings, and all given must match.
type filter struct {
	q, from, to, subject string
	since                queue.ID // only messages received at or after this id or time
}

func filterOf(r *http.Request) (filter, error) {
	q := r.URL.Query()
	f := filter{
		q:       strings.ToLower(strings.TrimSpace(q.Get("q"))),
		from:    strings.ToLower(q.Get("from")),
		to:      strings.ToLower(q.Get("to")),
		subject: strings.ToLower(q.Get("subject")),
	}
	if v := q.Get("since"); v != "" {
		switch id := queue.ID(v); {
		case id.Valid():
			f.since = id
		default:
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, badRequest("since: expected a message id or an RFC 3339 time such as 2026-01-02T15:04:05Z")
			}
			f.since = queue.ID(t.UTC().Format("20060102150405"))
		}
	}
	return f, nil
}

func (f filter) empty() bool { return f == filter{} }

func (f filter) match(s *Summary) bool {
	if f.since != "" && string(s.ID) < string(f.since) {
		return false
	}
	if f.q != "" && !strings.Contains(s.search, f.q) {
		return false
	}
	return (f.from == "" || strings.Contains(strings.ToLower(s.From), f.from)) &&
		(f.to == "" || strings.Contains(strings.ToLower(s.To), f.to)) &&
		(f.subject == "" || strings.Contains(strings.ToLower(s.Subject), f.subject))
}

// search returns the messages of list that match f, newest first.
func (f filter) apply(list []*Summary) []*Summary {
	if f.empty() {
		return list
	}
	var out []*Summary
	for _, s := range list {
		if f.match(s) {
			out = append(out, s)
		}
	}
	return out
}

// errMailboxInUse is a deletion refused because a POP3 session holds the
// mailbox.
var errMailboxInUse = errors.New("web: mailbox in use by a POP3 session")

// deleteMessages removes ids (all messages if ids is nil) from mailbox mb
// while holding its POP3 lock, so no POP3 session has the mailbox open
// with a listing that would then be wrong.
func (s *Server) deleteMessages(ref queue.MailboxRef, mb *queue.Mailbox, ids []queue.ID) (int, error) {
	s.delMu.Lock()
	defer s.delMu.Unlock()
	lock, err := lockfile.Acquire(mb.LockPath())
	if err != nil {
		var held *lockfile.HeldError
		if errors.As(err, &held) {
			return 0, errMailboxInUse
		}
		return 0, err
	}
	defer lock.Release()
	if ids == nil {
		if ids, err = mb.IDs(); err != nil {
			return 0, err
		}
	} else {
		for _, id := range ids {
			if _, _, err := mb.Stat(id); err != nil {
				return 0, err
			}
		}
	}
	if err := mb.DeleteAll(ids); err != nil {
		return 0, err
	}
	_, _, _ = s.index.list(ref) // bring the index up to date at once
	return len(ids), nil
}

// findMessage checks that message {id} of a visible mailbox exists.
func (s *Server) findMessage(r *http.Request, v *viewer) (queue.MailboxRef, *queue.Mailbox, queue.ID, error) {
	ref, mb, err := s.visibleBox(r, v)
	if err != nil {
		return ref, nil, "", err
	}
	id := queue.ID(r.PathValue("id"))
	if !id.Valid() {
		return ref, nil, "", queue.ErrNotFound
	}
	if _, _, err := mb.Stat(id); err != nil {
		return ref, nil, "", err
	}
	return ref, mb, id, nil
}

// openMessage is findMessage, then opens the message; the caller closes it.
func (s *Server) openMessage(r *http.Request, v *viewer) (queue.MailboxRef, queue.ID, *os.File, error) {
	ref, mb, id, err := s.findMessage(r, v)
	if err != nil {
		return ref, id, nil, err
	}
	f, err := mb.Open(id)
	return ref, id, f, err
}

// summaryOf finds the index entry of id.
func (s *Server) summaryOf(ref queue.MailboxRef, id queue.ID) *Summary {
	list, _, err := s.index.list(ref)
	if err != nil {
		return nil
	}
	for _, m := range list {
		if m.ID == id {
			return m
		}
	}
	return nil
}
