package mailtest

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
)

// stampRE finds the APOP timestamp in a greeting (RFC 1939 §7): a
// msg-id-like string in angle brackets.
var stampRE = regexp.MustCompile(`<[^<>\s]+@[^<>\s]+>|<[^<>\s]+>`)

// popSession is one POP3 test: greeting, optional STLS, login, STAT, and
// the headers of message 1 when there is one.
type popSession struct {
	*conn
	o *Options
}

// cmd sends a command and requires +OK; the tracer masks PASS and APOP.
func (p *popSession) cmd(line string) (string, error) {
	if err := p.send(line); err != nil {
		return "", fail(ExitPOPAuth, "sending %s: %v", strings.Fields(line)[0], err)
	}
	l, ok, err := p.popLine()
	if err != nil {
		return "", fail(ExitPOPAuth, "%v", err)
	}
	if !ok {
		return l, fail(ExitPOPAuth, "the server refused %s: %s", strings.Fields(line)[0], l)
	}
	return l, nil
}

func (p *popSession) run() error {
	greeting, ok, err := p.popLine()
	if err != nil {
		return fail(ExitPOPAuth, "%v", err)
	}
	if !ok {
		return fail(ExitPOPAuth, "the server refused the connection: %s", greeting)
	}
	if p.o.TLS == TLSStart {
		if _, err := p.cmd("STLS"); err != nil {
			return err
		}
		if err := p.handshake(p.o); err != nil {
			return fail(ExitPOPAuth, "%v", err)
		}
	}
	if err := p.login(greeting); err != nil {
		return err
	}
	if err := p.showFirst(); err != nil {
		return err
	}
	p.send("QUIT")
	p.popLine()
	return nil
}

func (p *popSession) login(greeting string) error {
	switch p.o.Auth {
	case AuthAPOP:
		stamp := stampRE.FindString(greeting)
		if stamp == "" {
			return fail(ExitAPOPNoStamp, "the greeting has no APOP timestamp")
		}
		sum := md5.Sum([]byte(stamp + p.o.Password))
		_, err := p.cmd("APOP " + p.o.User + " " + hex.EncodeToString(sum[:]))
		return err
	case AuthRPOP:
		if _, err := p.cmd("USER " + p.o.User); err != nil {
			return err
		}
		_, err := p.cmd("RPOP " + p.o.User)
		return err
	default:
		if _, err := p.cmd("USER " + p.o.User); err != nil {
			return err
		}
		_, err := p.cmd("PASS " + p.o.Password)
		return err
	}
}

// showFirst shows the mailbox size and message 1's headers (TOP 1 0, RFC
// 1939 §7). Failing here is not a login failure: the test has passed.
func (p *popSession) showFirst() error {
	if err := p.send("STAT"); err != nil {
		return nil
	}
	l, ok, err := p.popLine()
	if err != nil || !ok {
		return nil
	}
	f := strings.Fields(l)
	if len(f) < 3 {
		return nil
	}
	if n, _ := strconv.Atoi(f[1]); n == 0 {
		p.tr.notef("The mailbox is empty")
		return nil
	}
	if err := p.send("TOP 1 0"); err != nil {
		return nil
	}
	if _, ok, err := p.popLine(); err != nil || !ok {
		return nil
	}
	for {
		l, err := p.line()
		if err != nil {
			return nil
		}
		if l == "." {
			p.tr.serverLine(l, true)
			return nil
		}
		p.tr.serverLine(strings.TrimPrefix(l, "."), false) // RFC 1939 §3 byte-stuffing
	}
}
