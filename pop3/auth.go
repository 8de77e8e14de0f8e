package pop3

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"mailq/accounts"
	"mailq/wire"
)

// errMalformedPlain is the reason logged for a SASL PLAIN message that is
// not authzid NUL authcid NUL passwd (RFC 4616 §2).
var errMalformedPlain = errors.New("malformed SASL PLAIN response")

// errProxy is the reason logged when PLAIN asks to act as another user.
var errProxy = errors.New("SASL PLAIN authorization identity differs from the login name")

func cmdUser(c *conn, arg string) Reply {
	name := strings.TrimSpace(arg)
	if name == "" || strings.ContainsRune(name, ' ') {
		return replySyntax
	}
	c.user = name
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
	name, digest := f[0], f[1]
	c.user = ""
	return c.login(name, "APOP", func() error { // RFC 1939 §7
		return c.srv.opt.Accounts.CheckAPOP(name, c.timestamp, digest)
	})
}

// cmdAuth runs RFC 5034's AUTH with the PLAIN mechanism (RFC 4616), with or
// without an initial response. AUTH alone lists the mechanisms, as clients
// following the draft before RFC 5034 expect.
func cmdAuth(c *conn, arg string) Reply {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return multi("SASL mechanisms follow", []string{sasl.Plain})
	}
	switch {
	case len(f) > 2:
		return replySyntax
	case !strings.EqualFold(f[0], sasl.Plain):
		return replyNoMech
	}
	c.user = ""
	var resp string
	if len(f) == 2 {
		resp = f[1]
		if resp == "=" {
			resp = "" // RFC 5034 §4: "=" is an empty initial response
		}
	} else {
		// RFC 5034 §4: PLAIN starts with an empty challenge.
		line, r := c.continuation()
		if r != nil {
			return *r
		}
		resp = line
	}
	data, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return replyBadBase64 // RFC 5034 §4: reject a response that is not base64
	}
	var name, password string
	var bad error = errMalformedPlain
	srv := sasl.NewPlainServer(func(authz, authc, pw string) error {
		name, password, bad = authc, pw, nil
		if authz != "" && !strings.EqualFold(authz, authc) {
			bad = errProxy // no acting as someone else
		}
		return bad
	})
	srv.Next(data) // its error is the one recorded in bad
	if bad != nil {
		return c.loginFailed(name, "AUTH PLAIN", bad, time.Now())
	}
	return c.login(name, "AUTH PLAIN", func() error { return c.srv.opt.Accounts.CheckPassword(name, password) })
}

// continuation sends an empty "+ " challenge and reads the client's
// response line. A "*" cancels (RFC 5034 §4); a dead connection ends the
// session.
func (c *conn) continuation() (string, *Reply) {
	c.bw.WriteString("+ \r\n")
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
	name = strings.ToLower(name)
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
	return ok(fmt.Sprintf("%s has %s (%d octets)", name, plural(n, "message"), size))
}

// loginFailed counts a failed login (the session's count for AutoBan, and
// the LoginGuard's counts across sessions and instances) and returns the
// answer FailDelay after start: the same for unknown names, wrong passwords
// and [Pop-Locked] accounts; the Guard's refusal, naming the block, for an
// attempt it refused unchecked, which names that are no account get alike
// (see "Logins that fail" in doc.go). Answering at a fixed time after the
// attempt, not a fixed time after the check, hides how long the check took.
func (c *conn) loginFailed(name, method string, why error, start time.Time) Reply {
	name = strings.ToLower(name)
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
