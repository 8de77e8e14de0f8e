package smtp

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"mailq/saslmech"
	"mailq/wire"
)

// cmdAuth runs an AUTH exchange (RFC 4954) with the mechanisms of package
// saslmech, which pop3's AUTH shares. Every failure gets the same 535
// 5.7.8, whatever the reason, which goes to the log.
func (s *session) cmdAuth(arg string) Reply {
	switch {
	case !s.esmtp:
		return replyAuthNoEHLO // AUTH is an ESMTP extension: EHLO first
	case s.user != "":
		return replyAuthTwice // RFC 4954 §4
	}
	name, ir := cutWord(arg)
	name = strings.ToUpper(name)
	if r, refused := s.authNeedsTLS(name); refused {
		return r
	}
	var user string
	mech := s.mechanism(name, &user)
	if mech == nil {
		return replyAuthMech
	}
	var resp []byte // nil: no initial response
	if ir != "" {
		var ok bool
		if resp, ok = saslmech.Decode(ir); !ok {
			return replyAuthBase64
		}
	}
	for {
		start := time.Now()
		challenge, done, err := mech.Next(resp)
		if err != nil {
			return s.authFailed(name, user, err, start)
		}
		if done {
			s.user, s.mech = strings.ToLower(user), name
			s.srv.log.SMTPAuthenticated(s.logConn(), name, s.user)
			if lg, ok := s.srv.guard.(LoginGuard); ok {
				lg.LoginSucceeded(s.client(), s.user)
			}
			return replyAuthOK
		}
		s.sendNow(Reply{Code: 334, Lines: []string{base64.StdEncoding.EncodeToString(challenge)}})
		line, err := s.lr.ReadLine(maxAuthLine)
		switch {
		case errors.Is(err, wire.ErrLineTooLong):
			return reply(500, "5.5.6", "Authentication exchange line is too long") // RFC 4954 §4
		case err != nil:
			s.readFailed(err)
			return Reply{written: true, Close: true}
		case string(line) == "*":
			return replyAuthCancelled // RFC 4954 §4
		}
		var ok bool
		if resp, ok = saslmech.Decode(string(line)); !ok {
			return replyAuthBase64
		}
	}
}

// mechanism returns a server for the named mechanism, which records the user
// name it is given in *user; nil for a mechanism not offered.
func (s *session) mechanism(name string, user *string) sasl.Server {
	acc := s.srv.accounts
	return saslmech.New(name, s.srv.host, user, saslmech.Checks{
		Password: func(u, pw string) error {
			return s.checkLogin(u, func() error { return acc.CheckPassword(u, pw) })
		},
		CRAM: func(u, challenge, digest string) error {
			return s.checkLogin(u, func() error { return acc.CheckCRAMMD5(u, challenge, digest) })
		},
	})
}

// authFailed counts and logs a failed AUTH, lets the Guard act (the login
// limits, auto-ban), and answers FailDelay after start. Every failure gets
// the same 535 5.7.8, unknown names and [Pop-Locked] accounts included,
// except an attempt the LoginGuard refused unchecked, which gets the
// Guard's reply naming the block (the same for names that are no account).
func (s *session) authFailed(mech, user string, err error, start time.Time) Reply {
	defer s.pauseFailed(start)
	s.authFailures++
	s.srv.log.SMTPAuthFailed(s.logConn(), mech, user, err.Error())
	r := replyAuthInvalid
	if gr, ok := s.loginOutcome(user, err); ok {
		r = gr
		if r.Close {
			return r
		}
	}
	if gerr := s.srv.guard.AuthFailed(s.client(), s.authFailures); gerr != nil {
		return replyFor(gerr)
	}
	return r
}

// sendNow sends r at once: the client waits for it before sending more.
func (s *session) sendNow(r Reply) {
	r.writeTo(s.bw)
	s.flush()
}
