package mailtest

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"mailq/wire"
)

// failure ends a test with an exit code and the reason shown last.
type failure struct {
	code int
	msg  string
}

func (f *failure) Error() string { return f.msg }

func fail(code int, format string, args ...any) error {
	return &failure{code: code, msg: fmt.Sprintf(format, args...)}
}

// smtpSession is one SMTP test: greeting, greeting command, optional
// STARTTLS and login, then Count messages.
type smtpSession struct {
	*conn
	o    *Options
	env  *Env
	exts map[string]string // EHLO keywords (upper case) and their parameters
}

func (s *smtpSession) expect(want int, code int) (reply, error) {
	rp, err := s.smtpReply()
	if err != nil {
		return rp, fail(code, "%v", err)
	}
	if rp.code/100 != want/100 && rp.code != want {
		return rp, fail(code, "the server answered %d %s", rp.code, rp.text())
	}
	return rp, nil
}

func (s *smtpSession) cmd(line string, want, code int) (reply, error) {
	if err := s.send(line); err != nil {
		return reply{}, fail(code, "sending %s: %v", strings.Fields(line)[0], err)
	}
	return s.expect(want, code)
}

func (s *smtpSession) run() error {
	if _, err := s.expect(220, ExitSMTPFailure); err != nil {
		return err
	}
	if err := s.greet(); err != nil {
		return err
	}
	if s.o.TLS == TLSStart {
		if _, ok := s.exts["STARTTLS"]; !ok {
			s.tr.notef("The server does not offer STARTTLS; trying it anyway")
		}
		if _, err := s.cmd("STARTTLS", 220, ExitSMTPFailure); err != nil {
			return err
		}
		if err := s.handshake(s.o); err != nil {
			return fail(ExitSMTPFailure, "%v", err)
		}
		// RFC 3207 §4.2: everything learnt before TLS is forgotten.
		if err := s.greet(); err != nil {
			return err
		}
	}
	if err := s.login(); err != nil {
		return err
	}
	for i := 1; i <= s.o.Count; i++ {
		if err := s.message(i); err != nil {
			return err
		}
	}
	s.send("QUIT")
	s.smtpReply() // a server that hangs up without 221 has still taken the mail
	return nil
}

func (s *smtpSession) greet() error {
	verb := "HELO"
	if s.o.EHLO {
		verb = "EHLO"
	}
	rp, err := s.cmd(verb+" "+s.env.hostname(), 250, ExitSMTPFailure)
	if err != nil {
		return err
	}
	s.exts = map[string]string{}
	if verb == "EHLO" {
		for _, l := range rp.lines[1:] {
			k, v, _ := strings.Cut(l, " ")
			s.exts[strings.ToUpper(k)] = v
		}
	}
	return nil
}

// login runs the chosen AUTH exchange (RFC 4954).
func (s *smtpSession) login() error {
	mech := s.o.Auth
	if mech == AuthBest {
		mech = s.bestMechanism()
		if mech == AuthNone {
			return fail(ExitSMTPFailure, "the server offers no AUTH mechanism mailtest knows (offered: %q)", s.exts["AUTH"])
		}
	}
	user, pw := s.o.From, s.o.Password
	switch mech {
	case AuthPlain:
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
		_, err := s.cmd("AUTH PLAIN "+ir, 235, ExitAuthPlain)
		return err
	case AuthLogin:
		return s.authLogin(user, pw)
	case AuthCRAM:
		return s.authCRAM(user, pw)
	}
	return nil
}

func (s *smtpSession) bestMechanism() Auth {
	offered := strings.Fields(strings.ToUpper(s.exts["AUTH"]))
	for _, m := range []struct {
		name string
		a    Auth
	}{{"CRAM-MD5", AuthCRAM}, {"PLAIN", AuthPlain}, {"LOGIN", AuthLogin}} {
		for _, o := range offered {
			if o == m.name {
				return m.a
			}
		}
	}
	return AuthNone
}

func (s *smtpSession) authLogin(user, pw string) error {
	if _, err := s.cmd("AUTH LOGIN", 334, ExitAuthLogin); err != nil {
		return err
	}
	for i, secret := range []string{user, pw} {
		if err := s.sendSecret(base64.StdEncoding.EncodeToString([]byte(secret))); err != nil {
			return fail(ExitAuthLogin, "%v", err)
		}
		want := 334
		if i == 1 {
			want = 235
		}
		if _, err := s.expect(want, ExitAuthLogin); err != nil {
			return err
		}
	}
	return nil
}

// authCRAM answers the challenge with the keyed digest of RFC 2195.
func (s *smtpSession) authCRAM(user, pw string) error {
	if err := s.send("AUTH CRAM-MD5"); err != nil {
		return fail(ExitCRAMNoReply, "%v", err)
	}
	rp, err := s.smtpReply()
	if err != nil {
		return fail(ExitCRAMNoReply, "%v", err)
	}
	if rp.code != 334 {
		return fail(ExitCRAMNoReply, "no CRAM-MD5 challenge: the server answered %d %s", rp.code, rp.text())
	}
	challenge, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rp.text()))
	if err != nil || len(challenge) == 0 {
		return fail(ExitCRAMNoReply, "the CRAM-MD5 challenge %q is not base64", rp.text())
	}
	mac := hmac.New(md5.New, []byte(pw))
	mac.Write(challenge)
	resp := user + " " + hex.EncodeToString(mac.Sum(nil))
	if err := s.sendSecret(base64.StdEncoding.EncodeToString([]byte(resp))); err != nil {
		return fail(ExitAuthCRAM, "%v", err)
	}
	_, err = s.expect(235, ExitAuthCRAM)
	return err
}

// message sends test message n.
func (s *smtpSession) message(n int) error {
	body := buildMessage(s.o, s.env, n)
	mail := "MAIL FROM:<" + s.o.From + ">"
	if _, ok := s.exts["SIZE"]; ok {
		mail += fmt.Sprintf(" SIZE=%d", len(body)) // RFC 1870 §6
	}
	if _, err := s.cmd(mail, 250, ExitSMTPFailure); err != nil {
		return err
	}
	if _, err := s.cmd("RCPT TO:<"+s.o.To+">", 250, ExitSMTPFailure); err != nil {
		return err
	}
	if _, err := s.cmd("DATA", 354, ExitSMTPFailure); err != nil {
		return err
	}
	s.tr.clientLine(fmt.Sprintf("<message %d: %d bytes>", n, len(body)))
	s.c.SetDeadline(s.env.now().Add(s.timeout + dataTime(len(body))))
	dw := wire.NewDotWriter(s.w)
	if _, err := dw.Write(body); err != nil {
		return fail(ExitSMTPFailure, "sending the message: %v", err)
	}
	if err := dw.Close(); err != nil {
		return fail(ExitSMTPFailure, "sending the message: %v", err)
	}
	if err := s.w.Flush(); err != nil {
		return fail(ExitSMTPFailure, "sending the message: %v", err)
	}
	s.tr.clientLine(".")
	_, err := s.expect(250, ExitSMTPFailure)
	return err
}
