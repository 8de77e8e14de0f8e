package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mailq/queue"
)

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.admin {
		http.Redirect(w, r, "/box/"+url.PathEscape(v.user), http.StatusSeeOther)
		return
	}
	boxes, err := s.boxes(v)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	sortBoxes(boxes)
	s.render(w, r, v, http.StatusOK, "home", "Mailboxes", true, boxes)
}

// listPage is the data of the message list page.
type listPage struct {
	*messageList
	Query      string
	PrevOffset int
	NextOffset int
	HasPrev    bool
	HasNext    bool
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := s.listMessages(r, v)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	lp := listPage{messageList: out, Query: r.URL.Query().Get("q"),
		PrevOffset: max(0, out.Offset-out.Limit), NextOffset: out.Offset + out.Limit}
	lp.HasPrev = out.Offset > 0
	lp.HasNext = lp.NextOffset < out.Total
	s.render(w, r, v, http.StatusOK, "list", out.Mailbox, true, lp)
}

// messagePage is the data of the message page.
type messagePage struct {
	Mailbox      string
	Summary      *Summary
	Parsed       *Parsed
	Attachments  []Part
	RemoteImages bool
}

func (s *Server) handleMessage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, id, f, err := s.openMessage(r, v)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	defer f.Close()
	p := parseMessage(f, false)
	sum := s.summaryOf(ref, id)
	if sum == nil {
		sum = &Summary{ID: id}
	}
	mp := messagePage{Mailbox: boxKey(ref), Summary: sum, Parsed: p, RemoteImages: r.URL.Query().Get("images") == "1"}
	for _, part := range p.Parts {
		if part.Index != p.HTMLIndex && part.Attachment() {
			mp.Attachments = append(mp.Attachments, part)
		}
	}
	title := sum.Subject
	if title == "" {
		title = "(no subject)"
	}
	s.render(w, r, v, http.StatusOK, "message", title, false, mp)
}

func (s *Server) handleDeletePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, mb, id, err := s.findMessage(r, v)
	if err == nil {
		_, err = s.deleteMessages(ref, mb, []queue.ID{id})
	}
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	s.opt.Log.Infof("Web", "%s deleted message %s from %s", v.Name(), id, boxKey(ref))
	http.Redirect(w, r, "/box/"+url.PathEscape(boxKey(ref)), http.StatusSeeOther)
}

func (s *Server) handleDeleteAllPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	ref, mb, err := s.visibleBox(r, v)
	n := 0
	if err == nil {
		n, err = s.deleteMessages(ref, mb, nil)
	}
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	s.opt.Log.Infof("Web", "%s deleted all %d message(s) of %s", v.Name(), n, boxKey(ref))
	http.Redirect(w, r, "/box/"+url.PathEscape(boxKey(ref)), http.StatusSeeOther)
}

// queuePage is the data of the queue page.
type queuePage struct {
	Counts     []FolderCount
	Folder     string
	Sets       []SetInfo
	Total      int
	Offset     int
	NextOffset int
	HasNext    bool
	PrevOffset int
	HasPrev    bool
	Now        time.Time
}

func (s *Server) handleQueuePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.admin {
		s.failPage(w, r, v, errNotVisible)
		return
	}
	name := r.URL.Query().Get("folder")
	if name == "" {
		name = queue.Retry.String()
	}
	f, ok := folderByName(name)
	if !ok {
		s.failPage(w, r, v, queue.ErrNotFound)
		return
	}
	offset, err := intParam(r, "offset", 0, 1<<30)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	counts, err := s.counts()
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	sets, total, err := s.setPage(f, offset, defaultLimit)
	if err != nil {
		s.failPage(w, r, v, err)
		return
	}
	qp := queuePage{Counts: counts, Folder: name, Sets: sets, Total: total, Offset: offset,
		NextOffset: offset + defaultLimit, PrevOffset: max(0, offset-defaultLimit), Now: s.now()}
	qp.HasNext, qp.HasPrev = qp.NextOffset < total, offset > 0
	s.render(w, r, v, http.StatusOK, "queue", "Queue", true, qp)
}

func (s *Server) handleQueueActionPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	folder := r.PathValue("folder")
	if err := s.queueAction(v, folder, r.PathValue("id"), r.PathValue("action")); err != nil {
		s.failPage(w, r, v, err)
		return
	}
	http.Redirect(w, r, "/queue?folder="+url.QueryEscape(folder), http.StatusSeeOther)
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, nil, http.StatusOK, "login", "Log in", false, map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

// handleLogin checks a mail account's password and starts a session. A
// failure waits FailDelay and says nothing about which part was wrong.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(strings.TrimSpace(r.PostFormValue("user")))
	next := safeNext(r.PostFormValue("next"))
	if err := s.checkLogin(r, user, r.PostFormValue("password")); err != nil {
		s.opt.Log.Warnf("Web", "failed web login as %q from %s: %v", user, r.RemoteAddr, err)
		s.failWait(r)
		msg := "Wrong address or password."
		var limited *limitedError
		if errors.As(err, &limited) {
			msg = limited.Error() // the same words as the mail servers
		}
		s.render(w, r, nil, http.StatusUnauthorized, "login", "Log in", false,
			map[string]string{"Next": next, "Error": msg, "User": user})
		return
	}
	s.newSession(w, user)
	s.opt.Log.Infof("Web", "%s logged in from %s", user, r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if v := s.identify(r); v != nil && !checkCSRF(v, r) {
		apiError(w, http.StatusForbidden, "csrf", "missing or wrong CSRF token")
		return
	}
	clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// failWait delays the answer to a failed login by FailDelay, to slow down
// password guessing.
func (s *Server) failWait(r *http.Request) {
	if s.opt.FailDelay <= 0 {
		return
	}
	t := time.NewTimer(s.opt.FailDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// safeNext keeps a redirect target on this site: a path, never another
// host ("//evil.example" or "/\evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	return next
}
