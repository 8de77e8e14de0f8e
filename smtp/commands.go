package smtp

import (
	"fmt"
	"strconv"
	"strings"

	"mailq/address"
	"mailq/config"
	"mailq/macro"
	"mailq/wire"
)

// stateSet is the set of states in which a verb is accepted.
type stateSet = wire.States[state]

// states is wire.StatesOf for this package's states.
func states(ss ...state) stateSet { return wire.StatesOf(ss...) }

var anyState = states(stateConnected, stateGreeted, stateMail, stateRcpt)

// verb is one entry of the command table.
type verb struct {
	handler func(s *session, arg string) Reply
	states  stateSet // where the verb is accepted; elsewhere outOfSequence answers
	maxLine int      // longest command line accepted, without CRLF
	debug   bool     // only with /DEBUG (STAT, IPCF)
}

// verbs is the command table. The loop answers unknown verbs and verbs in
// the wrong state; a handler runs only where its verb is allowed.
var verbs map[string]verb

func init() {
	cmd := func(h func(*session, string) Reply, set stateSet) verb {
		return verb{handler: h, states: set, maxLine: maxCommand}
	}
	verbs = map[string]verb{
		"HELO": cmd((*session).cmdHelo, anyState),
		"EHLO": cmd((*session).cmdEhlo, anyState),
		"MAIL": {handler: (*session).cmdMail, states: states(stateGreeted), maxLine: maxMailLine},
		"RCPT": {handler: (*session).cmdRcpt, states: states(stateMail, stateRcpt), maxLine: maxRcptLine},
		"DATA": cmd((*session).cmdData, states(stateRcpt)),
		"RSET": cmd((*session).cmdRset, anyState),
		"NOOP": cmd((*session).cmdNoop, anyState),
		"QUIT": cmd((*session).cmdQuit, anyState),
		"HELP": cmd((*session).cmdHelp, anyState),
		"VRFY": cmd((*session).cmdVrfy, anyState),
		"EXPN": cmd((*session).cmdExpn, anyState),
		"AUTH": {handler: (*session).cmdAuth, states: states(stateGreeted), maxLine: maxAuthLine},
		"TIME": cmd((*session).cmdTime, anyState),
		"STAT": {handler: (*session).cmdStat, states: anyState, maxLine: maxCommand, debug: true},
		"IPCF": {handler: (*session).cmdIpcf, states: anyState, maxLine: maxCommand, debug: true},

		// RFC 3207 (starttls.go).
		"STARTTLS": cmd((*session).cmdStarttls, states(stateGreeted)),
		// RFC 3030 (bdat.go): every state, since the chunk is read before
		// any answer; cmdBdat refuses it outside stateRcpt.
		"BDAT": cmd((*session).cmdBdat, anyState),
	}
}

// dispatch parses one command line, checks it against the table and runs
// its handler.
func (s *session) dispatch(line []byte) Reply {
	c, err := parseCommand(line)
	if err != nil {
		return replySyntax
	}
	if c.http {
		return s.cmdHTTP(c)
	}
	v, ok := verbs[c.verb]
	if !ok || (v.debug && !s.srv.opt.Server.Debug) {
		return replyUnknown
	}
	if len(line) > v.maxLine {
		return replyLineTooLong // RFC 5321 §4.5.3.1.4
	}
	if !v.states.Has(s.state) {
		return s.outOfSequence(c.verb)
	}
	if r, hit := s.chaosBefore(c.verb, c.arg); hit { // chaos.go
		return s.chaosAfter(r)
	}
	return s.chaosAfter(v.handler(s, c.arg))
}

// outOfSequence answers a known verb sent in a state that does not accept
// it, saying what is missing (RFC 5321 §4.1.4).
func (s *session) outOfSequence(verb string) Reply {
	switch {
	case verb == "AUTH" && s.state == stateConnected:
		return replyAuthNoEHLO
	case verb == "AUTH":
		return replyAuthInMail
	case s.state == stateConnected:
		return replyNoHello
	case verb == "MAIL":
		return replyNestedMail
	case s.state == stateGreeted:
		return replyNeedMail
	case (verb == "DATA" || verb == "BDAT") && s.state == stateMail:
		return replyNoValidRcpt
	}
	return reply(503, "5.5.1", "Bad sequence of commands")
}

func (s *session) cmdHelo(arg string) Reply { return s.hello(arg, false) }
func (s *session) cmdEhlo(arg string) Reply { return s.hello(arg, true) }

// hello answers HELO and EHLO. Neither reply carries an enhanced code (RFC
// 2034 §3); EHLO's lines are the extension keywords (RFC 5321 §4.1.1.1).
func (s *session) hello(arg string, ext bool) Reply {
	switch mode := s.srv.opt.SMTP.Mode; {
	case ext && mode == config.SMTPModeHELO:
		return replyHELOOnly
	case !ext && mode == config.SMTPModeEHLO:
		return replyEHLOOnly
	}
	name, _ := cutWord(arg)
	if name == "" {
		return replyNeedDomain
	}
	s.reset() // RFC 5321 §4.1.4: a new EHLO ends the transaction
	s.helo, s.esmtp, s.state = name, ext, stateGreeted
	greet := fmt.Sprintf("%s Hello %s [%s]", s.srv.host, name, s.ipText())
	if !ext {
		return Reply{Code: 250, Lines: []string{greet}}
	}
	size := "SIZE" // RFC 1870 §4: no fixed maximum
	if m := s.srv.opt.SMTP.MaxMessageSize; m > 0 {
		size = "SIZE " + strconv.FormatInt(m, 10)
	}
	return Reply{Code: 250, Lines: append([]string{greet, size, "8BITMIME", "PIPELINING",
		"ENHANCEDSTATUSCODES", "DSN", s.authLine(), "CHUNKING", "SMTPUTF8", "HELP"}, s.startTLSLine()...)}
}

func (s *session) cmdRset(string) Reply {
	s.reset()
	return replyOK
}

func (s *session) cmdNoop(string) Reply { return replyOK }

func (s *session) cmdQuit(string) Reply {
	return reply(221, "2.0.0", s.srv.host+" closing connection").closing()
}

func (s *session) cmdHelp(string) Reply {
	cmds := "HELO EHLO MAIL RCPT DATA RSET NOOP QUIT HELP VRFY AUTH TIME"
	if s.srv.opt.Server.Debug {
		cmds += " STAT IPCF"
	}
	return Reply{Code: 214, Enh: "2.0.0", Lines: []string{"Commands: " + cmds, "mailq ESMTP server, see RFC 5321"}}
}

// cmdVrfy answers VRFY (RFC 5321 §3.5.1). Off unless SMTPVRFYEnabled; then
// it confirms local accounts only, and counts a miss like an unknown
// recipient, since VRFY is a harvester's tool.
func (s *session) cmdVrfy(arg string) Reply {
	if !s.srv.opt.SMTP.VRFY {
		return replyVrfyOff
	}
	arg = strings.TrimSuffix(strings.TrimPrefix(arg, "<"), ">")
	if arg == "" {
		return reply(501, "5.5.4", "VRFY needs a user name or address")
	}
	var candidates []string
	if mb, err := address.ParseMailbox(arg); err == nil {
		if !s.srv.opt.Routes.LocalDomain(mb.Domain) {
			return reply(252, "2.0.0", "Not a local address, will attempt delivery")
		}
		candidates = []string{mb.Key()}
	} else if !strings.Contains(arg, "@") && !strings.ContainsAny(arg, " \t") {
		for _, d := range s.srv.opt.Domains {
			candidates = append(candidates, strings.ToLower(arg)+"@"+d)
		}
	} else {
		return reply(501, "5.1.3", "Bad address syntax")
	}
	for _, c := range candidates {
		if s.srv.accounts.Exists(c) {
			return reply(250, "2.1.5", "<"+c+">")
		}
	}
	s.unknown++
	if err := s.srv.guard.UnknownRecipient(s.client(), arg, s.unknown); err != nil {
		return replyFor(err)
	}
	return replyNoSuchUser
}

func (s *session) cmdExpn(string) Reply { return replyExpn }

// cmdTime answers MailQ's TIME command: the date and time, up to five times
// a session. Before HELO the connection closes after the answer, as the
// manual says, so TIME works as a cheap clock service.
func (s *session) cmdTime(string) Reply {
	s.times++
	if s.times > 5 {
		return replyTimeLimit
	}
	r := Reply{Code: 250, Lines: []string{macro.TimeString(s.srv.now())}}
	if s.state == stateConnected {
		s.closeWhy = "TIME before HELO"
		r.Close = true
	}
	return r
}

// cmdStat shows the session's state (/DEBUG only).
func (s *session) cmdStat(string) Reply {
	user := s.user
	if user == "" {
		user = "(none)"
	}
	return Reply{Code: 211, Enh: "2.0.0", Lines: []string{
		fmt.Sprintf("session %s, state %s, helo %q, user %s", s.id, s.state, s.helo, user),
		fmt.Sprintf("sender <%s>, %d recipient(s)", s.from, len(s.rcpts)),
		fmt.Sprintf("%d message(s), %d failed command(s), %d failed login(s)", s.messages, s.failed, s.authFailures),
	}}
}

// cmdIpcf shows the addresses of the connection (/DEBUG only).
func (s *session) cmdIpcf(string) Reply {
	return reply(250, "2.0.0", fmt.Sprintf("client %s, server %s", s.conn.RemoteAddr(), s.conn.LocalAddr()))
}

// cmdHTTP is the HTTP GET responder: a browser pointed at the SMTP port
// gets a short HTTP answer and the connection closes, so it cannot hold a
// session slot (the manual's "HTTP GET Responder").
func (s *session) cmdHTTP(c command) Reply {
	if !s.srv.opt.Server.HTTPGet {
		return replyUnknown
	}
	body := s.srv.host + ": this port is an SMTP mail server, not a web server.\r\n"
	fmt.Fprintf(s.bw, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	if c.verb != "HEAD" {
		s.bw.WriteString(body)
	}
	s.closeWhy = "HTTP request"
	return Reply{written: true, Close: true} // nothing more to send
}

// greeting is the 220 line (RFC 5321 §4.3.1): SMTPWelcome with its macros
// expanded, or the host name and a standard text.
func (s *session) greeting() Reply {
	o := &s.srv.opt
	if o.SMTP.Welcome != "" {
		text := macro.Expand(o.SMTP.Welcome, macro.Context{
			Now: s.srv.now(), ClientIP: s.ipText(), ExeName: o.ExeName, Version: o.Version,
			HostName: s.srv.host, Getenv: o.Getenv,
		})
		return Reply{Code: 220, Lines: []string{text}}
	}
	proto := "ESMTP"
	if o.SMTP.Mode == config.SMTPModeHELO {
		proto = "SMTP"
	}
	return Reply{Code: 220, Lines: []string{s.srv.host + " " + proto + " mailq ready"}}
}

func (s *session) ipText() string {
	if s.ip.IsValid() {
		return s.ip.String()
	}
	return "unknown"
}

// cutWord splits s at its first blank.
func cutWord(s string) (word, rest string) {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], strings.TrimLeft(s[i:], " \t")
	}
	return s, ""
}
