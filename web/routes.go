package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"mailq/address"
	"mailq/queue"
)

// pageCSP is the policy of every page: nothing but this origin's own
// scripts, styles and frames; no inline script, no plug-ins, no framing of
// the page by anyone.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// routes builds the handler tree. Every handler but the login page and the
// assets runs as a viewer (see identify); the admin-only ones check it.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	page := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) {
		mux.Handle(pattern, s.asViewer(h, false))
	}
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *viewer)) {
		mux.Handle(pattern, s.asViewer(h, true))
	}
	mux.Handle("GET /assets/", assetHandler())
	mux.HandleFunc("GET /login", s.handleLoginPage)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)

	page("GET /{$}", s.handleHome)
	page("GET /box/{box}", s.handleList)
	page("POST /box/{box}/delete-all", s.handleDeleteAllPage)
	page("GET /box/{box}/{id}", s.handleMessage)
	page("GET /box/{box}/{id}/html", s.handleHTMLPart)
	page("GET /box/{box}/{id}/part/{n}", s.handlePart)
	page("GET /box/{box}/{id}/raw", s.handleRaw)
	page("POST /box/{box}/{id}/delete", s.handleDeletePage)
	page("GET /queue", s.handleQueuePage)
	page("POST /queue/{folder}/{id}/{action}", s.handleQueueActionPage)
	page("GET /events", s.handleEvents)

	api("GET /api/me", s.apiMe)
	api("GET /api/mailboxes", s.apiMailboxes)
	api("GET /api/mailboxes/{box}/messages", s.apiMessages)
	api("DELETE /api/mailboxes/{box}/messages", s.apiDeleteAll)
	api("GET /api/mailboxes/{box}/messages/{id}", s.apiMessage)
	api("DELETE /api/mailboxes/{box}/messages/{id}", s.apiDelete)
	api("GET /api/mailboxes/{box}/messages/{id}/raw", s.handleRaw)
	api("GET /api/mailboxes/{box}/messages/{id}/parts/{n}", s.handlePart)
	api("GET /api/wait", s.apiWait)
	api("GET /api/queue", s.apiQueue)
	api("GET /api/queue/{folder}", s.apiQueueFolder)
	api("POST /api/queue/{folder}/{id}/{action}", s.apiQueueAction)
	api("DELETE /api/queue/{folder}/{id}", s.apiQueueDelete)
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "not_found", "no such API call")
	}))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusForbidden, "cross_origin", "cross-origin request refused")
	}))
	return s.recoverer(securityHeaders(s.admit(cop.Handler(mux))))
}

// securityHeaders sets the headers every answer gets. Handlers that serve
// message content replace the Content-Security-Policy with a stricter one.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// asViewer identifies the viewer, sends the unknown to the login page (or
// answers 401 in the API), and checks the CSRF token of every change.
func (s *Server) asViewer(h func(http.ResponseWriter, *http.Request, *viewer), api bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := s.identify(r)
		if v == nil {
			if _, _, basic := r.BasicAuth(); basic {
				s.opt.Log.Warnf("Web", "failed API login from %s", r.RemoteAddr)
				s.failWait(r)
			}
			if api || r.Method != http.MethodGet {
				w.Header().Set("WWW-Authenticate", `Basic realm="mailq", charset="UTF-8"`)
				apiError(w, http.StatusUnauthorized, "unauthorized", "log in first (a session, or HTTP Basic credentials of a mail account)")
				return
			}
			http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !checkCSRF(v, r) {
			apiError(w, http.StatusForbidden, "csrf", "missing or wrong CSRF token")
			return
		}
		if !api && v.sid == "" && v.user == "" && r.Method == http.MethodGet {
			// A local administrator gets a session too: it carries the
			// CSRF token the page's forms send back.
			sv := s.newSession(w, "")
			v.sid, v.csrf = sv.sid, sv.csrf
		}
		h(w, r, v)
	})
}

// apiError answers with {"error": message, "code": code} and status.
func apiError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error": message, "code": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// boxKey is a mailbox's name in URLs and the API: its address, or
// "unknown:" and the address for a mailbox of an unknown user (":" never
// occurs in a mailbox folder's name).
func boxKey(ref queue.MailboxRef) string {
	if ref.Unknown {
		return "unknown:" + ref.Addr
	}
	return ref.Addr
}

// parseBox reads a mailbox key.
func parseBox(key string) (queue.MailboxRef, error) {
	ref := queue.MailboxRef{Addr: key}
	if rest, ok := strings.CutPrefix(key, "unknown:"); ok {
		ref = queue.MailboxRef{Addr: rest, Unknown: true}
	}
	ref.Addr = strings.ToLower(ref.Addr)
	if safe, err := address.SafeName(ref.Addr); err != nil || safe != ref.Addr {
		return ref, queue.ErrNotFound
	}
	return ref, nil
}

// visibleBox reads the {box} path value and checks that v may see it. A
// mailbox v may not see is "not found", like one that does not exist.
func (s *Server) visibleBox(r *http.Request, v *viewer) (queue.MailboxRef, *queue.Mailbox, error) {
	ref, err := parseBox(r.PathValue("box"))
	if err != nil {
		return ref, nil, err
	}
	if !v.canSee(ref) {
		return ref, nil, errNotVisible
	}
	mb, err := s.opt.Tree.ExistingMailbox(ref)
	return ref, mb, err
}

// statusOf maps an error to an HTTP status and an API code.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, queue.ErrNotFound), errors.Is(err, errNotVisible), errors.Is(err, queue.ErrBadID),
		errors.Is(err, errNoPart), errors.Is(err, address.ErrUnsafe):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, queue.ErrBusy), errors.Is(err, queue.ErrNotWaiting), errors.Is(err, queue.ErrExists), errors.Is(err, errMailboxInUse):
		return http.StatusConflict, "conflict"
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, errBadRequest):
		return http.StatusBadRequest, "bad_request"
	}
	return http.StatusInternalServerError, "internal"
}

var (
	errForbidden  = errors.New("for administrators only")
	errBadRequest = errors.New("bad request")
)

// failAPI answers err in JSON, with a message that names no path.
func (s *Server) failAPI(w http.ResponseWriter, r *http.Request, err error) {
	status, code := statusOf(err)
	msg := publicMessage(status, err)
	if status == http.StatusInternalServerError {
		s.opt.Log.Errorf("Web", "%s %s: %v", r.Method, r.URL.Path, err)
	}
	apiError(w, status, code, msg)
}

// publicMessage is the text an answer shows for err: details of a server
// error go to the log only.
func publicMessage(status int, err error) string {
	switch status {
	case http.StatusNotFound:
		return "not found"
	case http.StatusInternalServerError:
		return "internal error; see the log"
	}
	var pe *publicError
	if errors.As(err, &pe) {
		return pe.msg
	}
	switch {
	case errors.Is(err, queue.ErrBusy):
		return "the set is due now; the MXA may be delivering it: try again in a few seconds"
	case errors.Is(err, queue.ErrNotWaiting):
		return "the set has no recipient waiting for a retry"
	case errors.Is(err, errMailboxInUse):
		return "the mailbox is in use by a POP3 session; try again when it ends"
	case errors.Is(err, errForbidden):
		return "for administrators only"
	}
	return "request refused"
}

// publicError is an error whose text is meant for the client.
type publicError struct {
	msg string
	err error
}

func (e *publicError) Error() string { return e.msg }
func (e *publicError) Unwrap() error { return e.err }

func badRequest(msg string) error { return &publicError{msg: msg, err: errBadRequest} }

// intParam reads a non-negative integer query parameter.
func intParam(r *http.Request, name string, def, maxV int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badRequest(name + ": expected a whole number")
	}
	return min(n, maxV), nil
}
