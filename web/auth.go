package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"mailq/queue"
)

// Session cookie: "<user>|<session id>|<expiry unix>" in base64url, a dot,
// and the HMAC-SHA256 of that text under the server's key. The user ""
// is the loopback administrator (a session that only carries a CSRF token).
const (
	cookieName = "mailq_session"
	sessionTTL = 12 * time.Hour
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// viewer is who is asking, and what they may see.
type viewer struct {
	user  string // the account; "" for the loopback administrator
	admin bool
	sid   string // session id; "" without a session cookie
	csrf  string // the session's CSRF token; "" without a session
}

// canSee reports whether v may see mailbox ref.
func (v *viewer) canSee(ref queue.MailboxRef) bool {
	return v.admin || (!ref.Unknown && ref.Addr == v.user)
}

// Name is what the page header shows.
func (v *viewer) Name() string {
	if v.user == "" {
		return "local administrator"
	}
	return v.user
}

func (s *Server) mac(text string) []byte {
	m := hmac.New(sha256.New, s.key[:])
	m.Write([]byte(text))
	return m.Sum(nil)
}

// newSession makes a signed session cookie for user.
func (s *Server) newSession(w http.ResponseWriter, user string) *viewer {
	var b [16]byte
	_, _ = rand.Read(b[:])
	sid := base64.RawURLEncoding.EncodeToString(b[:])
	exp := s.now().Add(sessionTTL)
	text := user + "|" + sid + "|" + strconv.FormatInt(exp.Unix(), 10)
	value := base64.RawURLEncoding.EncodeToString([]byte(text)) + "." + base64.RawURLEncoding.EncodeToString(s.mac(text))
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: "/", Expires: exp,
		HttpOnly: true, Secure: s.opt.TLS != nil, SameSite: http.SameSiteStrictMode})
	return &viewer{user: user, sid: sid, csrf: s.csrfToken(sid)}
}

func (s *Server) csrfToken(sid string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf|" + sid))
}

// session reads and checks the session cookie: user, session id, and
// whether there was a valid one.
func (s *Server) session(r *http.Request) (string, string, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return "", "", false
	}
	body, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return "", "", false
	}
	text, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(text))) {
		return "", "", false
	}
	f := strings.Split(string(text), "|")
	if len(f) != 3 {
		return "", "", false
	}
	exp, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || s.now().Unix() > exp {
		return "", "", false
	}
	return f[0], f[1], true
}

func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// localRequest reports whether r comes from a loopback address and names
// this server by a loopback name: a page on another site that makes its
// own name resolve to 127.0.0.1 (DNS rebinding) still sends its own name
// in Host, and gets no free administrator.
func localRequest(r *http.Request) bool {
	if forwarded(r) {
		return false // a proxy on this host: the client is elsewhere
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return false
	}
	name := r.Host
	if h, _, err := net.SplitHostPort(name); err == nil {
		name = h
	}
	name = strings.Trim(strings.ToLower(name), "[]")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

// identify works out who r is from: a session cookie, HTTP Basic
// credentials (the API), or a local request. nil means a login is needed.
func (s *Server) identify(r *http.Request) *viewer {
	if user, sid, ok := s.session(r); ok {
		if user == "" {
			if localRequest(r) && !s.opt.LoginLocal {
				return &viewer{admin: true, sid: sid, csrf: s.csrfToken(sid)}
			}
		} else if s.opt.Users.Exists(user) && !s.opt.Users.Locked(user) && s.stillAllowed(r, user) {
			return &viewer{user: user, admin: s.isAdmin(user), sid: sid, csrf: s.csrfToken(sid)}
		}
	}
	if user, pw, ok := r.BasicAuth(); ok {
		user = strings.ToLower(user)
		if s.checkLogin(r, user, pw) == nil {
			return &viewer{user: user, admin: s.isAdmin(user)}
		}
		return nil
	}
	if localRequest(r) && !s.opt.LoginLocal {
		return &viewer{admin: true}
	}
	return nil
}

func (s *Server) isAdmin(user string) bool {
	for _, a := range s.opt.Admins {
		if a == user {
			return true
		}
	}
	return false
}

// checkCSRF checks an unsafe request of a viewer with a session: it must
// carry the session's token in the form or in a header.
func checkCSRF(v *viewer, r *http.Request) bool {
	if v.sid == "" {
		return true // no cookie: Basic credentials or a local client (curl)
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(v.csrf)) == 1
}
