package pop3

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"mailq/accounts"
	"mailq/saslmech"
	"mailq/wire"
)

func cmdUser(c *conn, arg string) Reply {
	name := strings.TrimSpace(arg)
	if name == "" || strings.ContainsRune(name, ' ') {
		return replySyntax
	}
	c.user = loginName(name) // utf8.go
	// The same answer for every name: USER must not tell which exist.
	return ok("send PASS")
}

func cmdPass(c *conn, arg string) Reply {
	if c.user == "" {
		return replyNeedUser // RFC 1939 §7: PASS only right after USER
	}
	name := c.user
	c.user = ""
	// The whole rest of the line is the password, spaces included
	// (RFC 1939 §7).
	return c.login(name, "USER", func() error { return c.srv.opt.Accounts.CheckPassword(name, arg) })
}

func cmdApop(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) != 2 {
		return replySyntax
	}
	name, digest := loginName(f[0]), f[1]
	c.user = ""
	return c.login(name, "APOP", func() error { // RFC 1939 §7
		return c.srv.opt.Accounts.CheckAPOP(name, c.timestamp, digest)
	})
}

// cmdAuth runs RFC 5034's AUTH with the mechanisms smtp's AUTH offers
// (package saslmech: PLAIN, LOGIN, CRAM-MD5), with or without an initial
// response. AUTH alone lists the mechanisms, as clients following the draft
// before RFC 5034 expect. The mechanism only collects the credentials; the
// check, the Guard's limits, the lockout counts and the delay after a
// failure are those of USER/PASS (login and loginFailed).
func cmdAuth(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return multi("SASL mechanisms follow", c.mechanisms())
	}
	if len(f) > 2 {
		return replySyntax
	}
	name := strings.ToUpper(f[0])
	method := "AUTH " + name
	acc := c.srv.opt.Accounts
	var user string
	var check func() error // the credentials check, run by login
	mech := saslmech.New(name, c.srv.host, &user, saslmech.Checks{
		Password: func(u, pw string) error {
			check = func() error { return acc.CheckPassword(loginName(u), pw) }
			return nil
		},
		CRAM: func(u, challenge, digest string) error {
			check = func() error { return acc.CheckCRAMMD5(loginName(u), challenge, digest) }
			return nil
		},
	})
	switch {
	case mech == nil:
		return replyNoMech
	case c.plainBlocked() && saslmech.SendsPassword(name):
		return replyNeedTLS // RequireForAuth, as for USER/PASS
	}
	c.user = ""
	var resp []byte // nil: no initial response
	if len(f) == 2 {
		var valid bool
		if resp, valid = saslmech.Decode(f[1]); !valid { // "=" is empty (RFC 5034 §4)
			return replyBadBase64 // RFC 5034 §4: reject a response that is not base64
		}
	}
	for {
		start := time.Now()
		challenge, done, err := mech.Next(resp)
		switch {
		case err != nil:
			return c.loginFailed(user, method, err, start)
		case done:
			return c.login(user, method, check)
		}
		line, r := c.continuation(challenge)
		if r != nil {
			return *r
		}
		var valid bool
		if resp, valid = saslmech.Decode(line); !valid {
			return replyBadBase64 // RFC 5034 §4
		}
	}
}

// mechanisms lists the SASL mechanisms usable now: without the password
// mechanisms in plain text under RequireForAuth.
func (c *conn) mechanisms() []string {
	var out []string
	for _, m := range saslmech.All {
		if !c.plainBlocked() || !saslmech.SendsPassword(m) {
			out = append(out, m)
		}
	}
	return out
}

// continuation sends a challenge ("+ " and its base64, RFC 5034 §4) and
// reads the client's response line. A "*" cancels (RFC 5034 §4); a dead
// connection ends the session.
func (c *conn) continuation(challenge []byte) (string, *Reply) {
	c.bw.WriteString("+ " + base64.StdEncoding.EncodeToString(challenge) + "\r\n")
	if err := c.bw.Flush(); err != nil {
		return "", &Reply{written: true, Close: true}
	}
	line, err := c.readLine()
	var r Reply
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		r = replyLineTooLong // counted as a failed AUTH by the loop
	case err != nil:
		r = c.readFailure(err)
	case string(line) == "*":
		r = replyAuthAborted
	default:
		return string(line), nil
	}
	return "", &r
}

// login finishes a login attempt for name whose credentials check returns
// nil or why they are refused. On success it locks and lists the mailbox and
// moves to TRANSACTION (RFC 1939 §4).
func (c *conn) login(name, method string, check func() error) Reply {
	start := time.Now()
	name = loginName(name) // utf8.go
	c.tried = name
	if err := c.loginAllowed(name); err != nil {
		return c.loginFailed(name, method, err, start)
	}
	if err := c.checkLogin(check); err != nil {
		if errors.Is(err, accounts.ErrSecret) {
			return c.uncheckable(name, method, err, start)
		}
		return c.loginFailed(name, method, err, start)
	}
	md, took, err := c.srv.openMaildrop(c.srv.mailboxOf(name))
	log := c.srv.opt.Log
	if took != nil {
		log.POP3StaleLock(c.id, name, took.String())
	}
	if err != nil {
		r := replyFor(err)
		if r.Code == CodeInUse {
			log.POP3InUse(c.id, name, c.ip.String())
		} else {
			log.POP3Error(c.id, name, fmt.Sprintf("open mailbox: %v", err))
		}
		return r
	}
	c.md, c.account, c.state = md, name, stateTransaction
	c.srv.opt.Guard.LoggedIn(c.ip, name)
	n, size := md.stat()
	log.POP3LoggedIn(c.id, name, c.ip.String(), method, n, size)
	return ok(fmt.Sprintf("%s has %s (%d octets)", c.shownName(name), plural(n, "message"), size))
}

// loginFailed counts a failed login (the session's count for AutoBan, and
// the LoginGuard's counts across sessions and instances) and returns the
// answer FailDelay after start: the same for unknown names, wrong passwords
// and [Pop-Locked] accounts; the Guard's refusal, naming the block, for an
// attempt it refused unchecked, which names that are no account get alike
// (see "Logins that fail" in doc.go). Answering at a fixed time after the
// attempt, not a fixed time after the check, hides how long the check took.
func (c *conn) loginFailed(name, method string, why error, start time.Time) Reply {
	name = loginName(name)
	c.tried = name
	c.logins++
	c.srv.opt.Log.POP3LoginFailed(c.id, name, c.ip.String(), method, why.Error(), c.logins)
	r, gerr := c.countFailure(name, why)
	c.pauseUntil(start.Add(c.srv.opt.FailDelay))
	if gerr != nil {
		return guardReply(gerr)
	}
	if err := c.srv.opt.Guard.LoginFailed(c.ip, name, c.logins); err != nil {
		return guardReply(err)
	}
	return r
}

// uncheckable answers a login whose password the server cannot check (no
// mailq.key, or a password stored by the original MailQ). The client gets
// the ordinary failure, after the ordinary delay; but the failure is the
// server's, so it does not count towards the login limits, and the
// administrator is told how to fix it.
func (c *conn) uncheckable(name, method string, why error, start time.Time) Reply {
	log := c.srv.opt.Log
	log.POP3LoginFailed(c.id, name, c.ip.String(), method, why.Error(), 0)
	log.POP3Error(c.id, name, "the password of "+name+" cannot be checked: set it again with /SETPASS, and keep mailq.key beside mailq.ini")
	c.pauseUntil(start.Add(c.srv.opt.FailDelay))
	return replyAuthFailed
}

// pauseUntil waits until t, or less if the server shuts down.
func (c *conn) pauseUntil(t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-c.ctx.Done():
	}
}

// releaseMaildrop lets go of the mailbox lock; the session keeps its
// account name for the log.
func (c *conn) releaseMaildrop() {
	if c.md == nil {
		return
	}
	if err := c.md.lock.Release(); err != nil {
		c.srv.opt.Log.POP3Error(c.id, c.md.user, fmt.Sprintf("release mailbox lock: %v", err))
	}
	c.md = nil
}
