package smtp

import (
	"errors"
	"time"

	"mailq/accounts"
)

// LoginGuard is an optional extension of a Guard: limits on password
// guessing that hold across sessions and across the SMTP and POP3
// instances (package guard implements it with package policy's shared
// counts). Without it, only the Guard's AuthFailed sees failed logins.
type LoginGuard interface {
	// LoginAllowed is asked before the credentials of user are checked. An
	// error refuses the attempt without checking them (a Reply is sent as it
	// is); it must be the same for names that are no account.
	LoginAllowed(c Client, user string) error
	// LoginCounted is told after each failed attempt of user that counts:
	// credentials checked and refused (checked true), or refused by
	// LoginAllowed (checked false). An error replaces the reply (an
	// auto-ban, with Close).
	LoginCounted(c Client, user string, checked bool) error
	// LoginSucceeded is told after a successful AUTH.
	LoginSucceeded(c Client, user string)
}

// refusedLogin is a login attempt LoginAllowed refused: the credentials
// were not checked.
type refusedLogin struct{ err error }

func (r *refusedLogin) Error() string { return "refused unchecked: " + r.err.Error() }
func (r *refusedLogin) Unwrap() error { return r.err }

// checkLogin runs check, the credentials check of user, unless the Guard
// refuses the attempt first.
func (s *session) checkLogin(user string, check func() error) error {
	if lg, ok := s.srv.guard.(LoginGuard); ok {
		if err := lg.LoginAllowed(s.client(), user); err != nil {
			return &refusedLogin{err}
		}
	}
	if s.anyLogin() {
		return nil // capture mode: any credentials (capture.go)
	}
	return check()
}

// isGuess reports whether a failed check was a guess at a password: a wrong
// password, an unknown name or a locked account. A password the server
// cannot check (accounts.ErrSecret) and a malformed exchange are not.
func isGuess(err error) bool {
	return errors.Is(err, accounts.ErrPassword) || errors.Is(err, accounts.ErrUnknown) ||
		errors.Is(err, accounts.ErrLocked)
}

// loginOutcome tells the LoginGuard about a failed attempt. When override
// is true, r replaces the ordinary failure: the Guard's refusal for an
// attempt it refused unchecked, or its reply (an auto-ban) to the count.
func (s *session) loginOutcome(user string, err error) (r Reply, override bool) {
	lg, ok := s.srv.guard.(LoginGuard)
	if !ok {
		return Reply{}, false
	}
	var refused *refusedLogin
	switch {
	case errors.As(err, &refused):
		if gerr := lg.LoginCounted(s.client(), user, false); gerr != nil {
			return replyFor(gerr), true
		}
		return replyFor(refused.err), true
	case isGuess(err):
		if gerr := lg.LoginCounted(s.client(), user, true); gerr != nil {
			return replyFor(gerr), true
		}
	}
	return Reply{}, false
}

// failPause holds a failed AUTH's answer until delay after start, the moment
// the client's last response arrived: guessing costs time, and the answer
// comes at the same moment whether the name exists, the password was
// wrong, or the attempt was refused unchecked. Tests replace it
// (Server.pause) to see that every path makes the same call.
func failPause(start time.Time, delay time.Duration) {
	if d := time.Until(start.Add(delay)); d > 0 {
		time.Sleep(d)
	}
}

// pauseFailed applies FailDelay after a failed AUTH.
func (s *session) pauseFailed(start time.Time) {
	pause := s.srv.pause
	if pause == nil {
		pause = failPause
	}
	pause(start, s.srv.opt.FailDelay)
}
