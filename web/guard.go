package web

import (
	"net"
	"net/http"
	"net/netip"
)

// Guard is the abuse controls the mail servers use, for the web instance:
// the block list, and the login limits shared with SMTP AUTH and POP3
// (package guard implements it; main passes it in). Without one, nothing
// is limited beyond FailDelay (tests).
type Guard interface {
	// Admit refuses a client on the block list.
	Admit(ip netip.Addr) error
	// LoginAllowed refuses a login attempt a login limit blocks; the
	// password is then not checked.
	LoginAllowed(ip netip.Addr, user string) error
	// LoginFailed counts a failed login; LoginSucceeded forgets the
	// user's failures from ip.
	LoginFailed(ip netip.Addr, user string)
	LoginSucceeded(ip netip.Addr, user string)
}

// remoteIP is the client's address, or the zero Addr.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip, _ := netip.ParseAddr(host)
	return ip.Unmap()
}

// checkLogin checks a password as the mail servers do: refused unchecked
// while a login limit blocks the user or the address, counted when wrong.
// errLoginLimited says the first; any other error is a wrong password.
func (s *Server) checkLogin(r *http.Request, user, password string) error {
	ip := remoteIP(r)
	if g := s.opt.Guard; g != nil {
		if err := g.LoginAllowed(ip, user); err != nil {
			return &limitedError{err}
		}
	}
	err := s.opt.Users.CheckPassword(user, password)
	if g := s.opt.Guard; g != nil {
		if err != nil {
			g.LoginFailed(ip, user)
		} else {
			g.LoginSucceeded(ip, user)
		}
	}
	return err
}

// limitedError is a login refused by a login limit, unchecked.
type limitedError struct{ err error }

func (e *limitedError) Error() string { return e.err.Error() }

// stillAllowed reports whether a session of user may still be used from
// r's address: a lock or block the login limits set since it began ends it,
// as it ends the mail sessions' logins.
func (s *Server) stillAllowed(r *http.Request, user string) bool {
	return s.opt.Guard == nil || s.opt.Guard.LoginAllowed(remoteIP(r), user) == nil
}

// admit refuses every request of a client on the block list.
func (s *Server) admit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g := s.opt.Guard; g != nil {
			if err := g.Admit(remoteIP(r)); err != nil {
				s.opt.Log.Warnf("Web", "refused %s: %v", r.RemoteAddr, err)
				apiError(w, http.StatusForbidden, "blocked", err.Error())
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// forwarded reports whether a proxy passed the request on: behind a proxy
// every client arrives from loopback, often with the Host rewritten to the
// proxy's upstream (127.0.0.1:8025), so loopback proves nothing.
func forwarded(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Via"} {
		if r.Header.Get(h) != "" {
			return true
		}
	}
	return false
}
