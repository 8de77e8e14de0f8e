package smtp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"mailq/wire"
)

// Reasons a mechanism fails before the accounts are asked; logged only.
var (
	errAuthIdentity = errors.New("smtp: authorization identity differs from the user")
	errAuthResponse = errors.New("smtp: malformed response")
)

// cmdAuth runs an AUTH exchange (RFC 4954): PLAIN through go-sasl, LOGIN
// and CRAM-MD5 through our own sasl.Server implementations. Every failure
// gets the same 535 5.7.8, whatever the reason, which goes to the log.
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
		if resp, ok = decodeAuth(ir); !ok {
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
		if resp, ok = decodeAuth(string(line)); !ok {
			return replyAuthBase64
		}
	}
}

// mechanism returns a server for the named mechanism, which records the user
// name it is given in *user; nil for a mechanism not offered.
func (s *session) mechanism(name string, user *string) sasl.Server {
	acc := s.srv.accounts
	switch name {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			*user = username
			if identity != "" && !strings.EqualFold(identity, username) {
				return errAuthIdentity // RFC 4616 §2: no acting for another user
			}
			return s.checkLogin(username, func() error { return acc.CheckPassword(username, password) })
		})
	case sasl.Login:
		return &loginServer{user: user, check: func(u, pw string) error {
			return s.checkLogin(u, func() error { return acc.CheckPassword(u, pw) })
		}}
	case "CRAM-MD5":
		return &cramServer{host: s.srv.host, user: user, check: func(u, challenge, digest string) error {
			return s.checkLogin(u, func() error { return acc.CheckCRAMMD5(u, challenge, digest) })
		}}
	}
	return nil
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

// decodeAuth decodes a client's base64 response; "=" is an empty initial
// response (RFC 4954 §4). Padding may be left out.
func decodeAuth(s string) ([]byte, bool) {
	if s == "=" {
		return []byte{}, true
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): the
// server asks "Username:" then "Password:"; the username may come as the
// initial response.
type loginServer struct {
	user  *string
	check func(user, password string) error
	step  int
}

func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if resp == nil {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		*l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		*l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(*l.user, string(resp))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// cramServer is CRAM-MD5 (RFC 2195): a unique challenge, then "user digest",
// the HMAC-MD5 of the challenge keyed with the password, in hex.
type cramServer struct {
	host      string
	user      *string
	check     func(user, challenge, digestHex string) error
	challenge string
}

func (c *cramServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	if c.challenge == "" {
		if resp != nil {
			return nil, false, sasl.ErrUnexpectedClientResponse // the server speaks first
		}
		var r [8]byte
		rand.Read(r[:])
		// RFC 2195 §2: a msg-id-like string that is never repeated.
		c.challenge = fmt.Sprintf("<%d.%d@%s>", binary.BigEndian.Uint64(r[:])>>1, time.Now().Unix(), c.host)
		return []byte(c.challenge), false, nil
	}
	i := strings.LastIndexByte(string(resp), ' ')
	if i <= 0 {
		return nil, false, errAuthResponse
	}
	*c.user = string(resp[:i])
	return nil, true, c.check(*c.user, c.challenge, string(resp[i+1:]))
}
