package pop3

import (
	"errors"
	"net/netip"

	"mailq/accounts"
)

// LoginGuard is an optional extension of a Guard: limits on password
// guessing that hold across sessions and across the POP3 and SMTP
// instances (package guard implements it with package policy's shared
// counts; see "Logins that fail" in doc.go). A successful login is
// reported through Guard.LoggedIn.
type LoginGuard interface {
	// LoginAllowed is asked before the credentials of user are checked. An
	// error refuses the attempt without checking them: a Reply is sent as
	// it is, anything else as the ordinary failure. It must be the same for
	// names that are no account.
	LoginAllowed(ip netip.Addr, user string) error
	// LoginCounted is told after each failed attempt of user that counts:
	// credentials checked and refused (checked true), or refused by
	// LoginAllowed (checked false). An error ends the session with that
	// reply, as for Guard.LoginFailed.
	LoginCounted(ip netip.Addr, user string, checked bool) error
}

// refusedLogin is a login attempt LoginAllowed refused: the credentials
// were not checked.
type refusedLogin struct{ err error }

func (r *refusedLogin) Error() string { return "refused unchecked: " + r.err.Error() }
func (r *refusedLogin) Unwrap() error { return r.err }

// loginAllowed asks the LoginGuard, if there is one, whether name may try
// to log in now.
func (c *conn) loginAllowed(name string) error {
	lg, ok := c.srv.opt.Guard.(LoginGuard)
	if !ok {
		return nil
	}
	if err := lg.LoginAllowed(c.ip, name); err != nil {
		return &refusedLogin{err}
	}
	return nil
}

// isGuess reports whether a failed check was a guess at a password: a wrong
// password, an unknown name or a locked account. A password the server
// cannot check and a malformed exchange are not.
func isGuess(err error) bool {
	return errors.Is(err, accounts.ErrPassword) || errors.Is(err, accounts.ErrUnknown) ||
		errors.Is(err, accounts.ErrLocked)
}

// countFailure tells the LoginGuard about a failed attempt. It returns the
// reply for the attempt (the Guard's refusal for one it refused, the
// ordinary failure otherwise) and the Guard's error, which ends the session.
func (c *conn) countFailure(name string, why error) (Reply, error) {
	lg, ok := c.srv.opt.Guard.(LoginGuard)
	if !ok {
		return replyAuthFailed, nil
	}
	var refused *refusedLogin
	switch {
	case errors.As(why, &refused):
		r := replyAuthFailed
		if !errors.As(refused.err, &r) {
			r = replyAuthFailed
		}
		r.OK, r.Multi = false, false
		return r, lg.LoginCounted(c.ip, name, false)
	case isGuess(why):
		return replyAuthFailed, lg.LoginCounted(c.ip, name, true)
	}
	return replyAuthFailed, nil
}
