package web

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"mailq/queue"
)

// The JSON API. Field names are stable; errors are {"error", "code"} with
// a fitting status (400, 401, 403, 404, 408, 409, 500).

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, v *viewer) {
	writeJSON(w, http.StatusOK, map[string]any{"user": v.user, "admin": v.admin})
}

func (s *Server) apiMailboxes(w http.ResponseWriter, r *http.Request, v *viewer) {
	boxes, err := s.boxes(v)
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	if boxes == nil {
		boxes = []BoxInfo{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"mailboxes": boxes})
}

// messageList is the answer of a message listing.
type messageList struct {
	Mailbox  string     `json:"mailbox"`
	Total    int        `json:"total"` // matching messages, all pages
	Offset   int        `json:"offset"`
	Limit    int        `json:"limit"`
	Messages []*Summary `json:"messages"`
}

const (
	defaultLimit = 50
	maxLimit     = 1000
)

// listMessages reads the listing parameters and pages the matching
// messages of a visible mailbox. A user's own mailbox that has no folder
// yet lists as empty.
func (s *Server) listMessages(r *http.Request, v *viewer) (*messageList, error) {
	ref, err := parseBox(r.PathValue("box"))
	if err != nil {
		return nil, err
	}
	if !v.canSee(ref) {
		return nil, errNotVisible
	}
	f, err := filterOf(r)
	if err != nil {
		return nil, err
	}
	offset, err := intParam(r, "offset", 0, 1<<30)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(r, "limit", defaultLimit, maxLimit)
	if err != nil {
		return nil, err
	}
	list, _, err := s.index.list(ref)
	if errors.Is(err, queue.ErrNotFound) && ref.Addr == v.user {
		list, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	list = f.apply(list)
	out := &messageList{Mailbox: boxKey(ref), Total: len(list), Offset: offset, Limit: limit, Messages: []*Summary{}}
	if offset < len(list) {
		out.Messages = list[offset:min(len(list), offset+limit)]
	}
	return out, nil
}

func (s *Server) apiMessages(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := s.listMessages(r, v)
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// messageDetail is the answer for one message.
type messageDetail struct {
	*Summary
	Mailbox       string  `json:"mailbox"`
	Headers       []Field `json:"headers"`
	Text          string  `json:"text"`
	TextTruncated bool    `json:"text_truncated"`
	HTML          string  `json:"html"`
	HTMLTruncated bool    `json:"html_truncated"`
	Parts         []Part  `json:"parts"`
	Broken        string  `json:"broken,omitempty"`
}

func (s *Server) apiMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, id, f, err := s.openMessage(r, v)
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	defer f.Close()
	p := parseMessage(f, true)
	sum := s.summaryOf(ref, id)
	if sum == nil {
		sum = &Summary{ID: id}
	}
	if p.Parts == nil {
		p.Parts = []Part{}
	}
	writeJSON(w, http.StatusOK, messageDetail{Summary: sum, Mailbox: boxKey(ref), Headers: p.Header,
		Text: p.Text, TextTruncated: p.TextTruncated, HTML: p.HTML, HTMLTruncated: p.HTMLTruncated,
		Parts: p.Parts, Broken: p.Broken})
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, mb, id, err := s.findMessage(r, v)
	if err == nil {
		_, err = s.deleteMessages(ref, mb, []queue.ID{id})
	}
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	s.opt.Log.Infof("Web", "%s deleted message %s from %s", v.Name(), id, boxKey(ref))
	writeJSON(w, http.StatusOK, map[string]any{"deleted": 1})
}

func (s *Server) apiDeleteAll(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, mb, err := s.visibleBox(r, v)
	n := 0
	if err == nil {
		n, err = s.deleteMessages(ref, mb, nil)
	}
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	s.opt.Log.Infof("Web", "%s deleted all %d message(s) of %s", v.Name(), n, boxKey(ref))
	writeJSON(w, http.StatusOK, map[string]any{"deleted": n})
}

const (
	defaultWait = 30 * time.Second
	maxWait     = 5 * time.Minute
)

// apiWait answers with the newest message that matches the filter (in one
// mailbox, or in every mailbox the viewer may see) as soon as there is
// one: at once if it is there already, else when it arrives, or 408 when
// the timeout passes. "since" limits it to messages received from then on.
func (s *Server) apiWait(w http.ResponseWriter, r *http.Request, v *viewer) {
	f, err := filterOf(r)
	if err != nil {
		s.failAPI(w, r, err)
		return
	}
	timeout := defaultWait
	if t := r.URL.Query().Get("timeout"); t != "" {
		d, err := time.ParseDuration(t)
		if err != nil {
			var secs int
			secs, err = intParam(r, "timeout", 0, int(maxWait/time.Second))
			d = time.Duration(secs) * time.Second
		}
		if err != nil || d < 0 {
			s.failAPI(w, r, badRequest("timeout: expected a duration such as 30s, or seconds"))
			return
		}
		timeout = min(d, maxWait)
	}
	var only *queue.MailboxRef
	if key := r.URL.Query().Get("mailbox"); key != "" {
		ref, err := parseBox(key)
		if err == nil && !v.canSee(ref) {
			err = errNotVisible
		}
		if err != nil {
			s.failAPI(w, r, err)
			return
		}
		only = &ref
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		_, changed := s.watch.current()
		found, err := s.findMatch(v, only, f)
		if err != nil {
			s.failAPI(w, r, err)
			return
		}
		if found != nil {
			writeJSON(w, http.StatusOK, found)
			return
		}
		if s.waitHook != nil {
			s.waitHook()
		}
		select {
		case <-changed:
		case <-deadline.C:
			apiError(w, http.StatusRequestTimeout, "timeout", "no matching message arrived within "+timeout.String())
			return
		case <-r.Context().Done():
			return
		}
	}
}

// waitMatch is the answer of a successful wait.
type waitMatch struct {
	*Summary
	Mailbox string `json:"mailbox"`
}

// findMatch returns the newest matching message in the mailboxes.
func (s *Server) findMatch(v *viewer, only *queue.MailboxRef, f filter) (*waitMatch, error) {
	var refs []queue.MailboxRef
	if only != nil {
		refs = []queue.MailboxRef{*only}
	} else {
		all, err := s.opt.Tree.Mailboxes()
		if err != nil {
			return nil, err
		}
		for _, ref := range all {
			if v.canSee(ref) {
				refs = append(refs, ref)
			}
		}
	}
	var best *waitMatch
	for _, ref := range refs {
		list, _, err := s.index.list(ref)
		if errors.Is(err, queue.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, m := range list { // newest first: the first match is the newest here
			if f.match(m) {
				if best == nil || m.Received.After(best.Received) {
					best = &waitMatch{Summary: m, Mailbox: boxKey(ref)}
				}
				break
			}
		}
	}
	return best, nil
}

// sortBoxes orders mailboxes by address, the unknown ones last.
func sortBoxes(b []BoxInfo) {
	sort.SliceStable(b, func(i, j int) bool {
		if b[i].Unknown != b[j].Unknown {
			return !b[i].Unknown
		}
		return b[i].Address < b[j].Address
	})
}
