package smtp

import (
	"errors"
	"strconv"
	"strings"

	"mailq/address"
	"mailq/queue"
	"mailq/route"
)

// cmdMail starts a transaction (RFC 5321 §4.1.1.2). Refusals, in order:
// authentication required, syntax, parameters, a declared SIZE over the
// limit (RFC 1870 §6.2), the Guard, then disk space and the queue cap
// (DURABILITY rule 6).
func (s *session) cmdMail(arg string) Reply {
	o := &s.srv.opt
	if r, refused := s.mailNeedsTLS(); refused {
		return r
	}
	if o.SMTP.AuthRequired && s.user == "" {
		return replyAuthRequired
	}
	text, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		return reply(501, "5.5.4", "Syntax: MAIL FROM:<address>")
	}
	a, utf, err := parseMail(text)
	if err != nil {
		return addressReply(err, "5.1.7") // RFC 3463: bad sender's mailbox syntax
	}
	body, size := queue.Body7Bit, int64(0)
	var dm dsnMail
	for _, p := range a.Params {
		switch p.Keyword {
		case "SIZE": // RFC 1870
			n, err := strconv.ParseInt(p.Value, 10, 64)
			if err != nil || n < 0 {
				return replyBadSize
			}
			size = n
		case "BODY": // RFC 6152
			switch strings.ToUpper(p.Value) {
			case "7BIT":
				body = queue.Body7Bit
			case "8BITMIME":
				body = queue.Body8BitMIME
			default:
				return replyBadBody
			}
		case "AUTH":
			// RFC 4954 §5: accepted; the identity is not passed on.
		case "SMTPUTF8": // RFC 6531 §3.4, handled by parseMail
			if p.Value != "" {
				return replyBadParam
			}
		default:
			if r, bad := dm.param(p); bad { // RET, ENVID: dsn.go
				return r
			}
		}
	}
	if m := o.SMTP.MaxMessageSize; m > 0 && size > m {
		return replyTooBig
	}
	from := ""
	if !a.Path.Null {
		from = a.Path.Mailbox.String()
	}
	if err := s.srv.guard.Mail(s.client(), from); err != nil {
		return replyFor(err)
	}
	if err := s.authMail(from); err != nil {
		return replyFor(err)
	}
	if !o.Server.Test {
		need := size
		if need == 0 {
			need = o.SMTP.MaxMessageSize
		}
		refuse, problem := s.srv.cap.check(s.srv.spool, s.srv.now(), need, size > 0)
		if problem != nil {
			s.srv.log.SMTPFailed(s.logConn(), "cannot check the queue's space or length", problem, "")
		}
		if refuse != nil {
			return replyFor(refuse)
		}
	}
	s.from, s.body, s.declared, s.state = from, body, size, stateMail
	s.smtputf8 = utf
	s.dsn = dm
	return reply(250, "2.1.0", "<"+from+"> Sender OK")
}

// cmdRcpt adds a recipient (RFC 5321 §4.1.1.3). Postmaster at a local
// domain is always accepted (§4.5.1); anyone else must pass the relay table,
// and an unknown user at a local domain is refused unless the MDA refiles
// such mail.
func (s *session) cmdRcpt(arg string) Reply {
	o := &s.srv.opt
	text, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		return reply(501, "5.5.4", "Syntax: RCPT TO:<address>")
	}
	parse := address.ParseRcptArg
	if s.smtputf8 {
		parse = address.ParseRcptArgUTF8 // RFC 6531 §3.3
	}
	a, err := parse(text)
	if err != nil {
		return addressReply(err, "5.1.3") // RFC 3463: bad destination mailbox syntax
	}
	var rc queue.Recipient
	if r, bad := rcptDSN(a.Params, &rc); bad { // NOTIFY, ORCPT: dsn.go
		return r
	}
	if len(s.rcpts) >= o.SMTP.MaxRecipients {
		return replyTooManyRcpts
	}
	mb := a.Path.Mailbox
	if a.Path.Postmaster {
		// RFC 5321 §4.1.1.3: "<Postmaster>" is the postmaster of this host.
		mb = address.Mailbox{Local: "postmaster", Domain: s.postmasterDomain()}
	}
	addr := mb.String()
	local := o.Routes.LocalDomain(mb.Domain)
	if s.capturing() {
		if r, refused := s.captureRcpt(addr); refused {
			return r
		}
	} else if !local || !mb.IsPostmaster() {
		internal := s.user != "" || s.srv.guard.MayRelay(s.client())
		if ok, why := relayDecision(o.SMTP.Relay, internal, local); !ok {
			return reply(550, "5.7.1", why)
		}
		if local {
			if r, refused := s.checkLocal(addr); refused {
				return r
			}
		}
	}
	for _, r := range s.rcpts {
		if strings.EqualFold(r.Addr, addr) {
			return reply(250, "2.1.5", "<"+addr+"> Recipient OK (duplicate)")
		}
	}
	rc.Addr = addr
	s.rcpts = append(s.rcpts, rc)
	s.state = stateRcpt
	return reply(250, "2.1.5", "<"+addr+"> Recipient OK")
}

// checkLocal resolves a local recipient through the aliases and refuses it
// when the user is unknown and unknown users are not refiled, when its
// aliases loop, or when the mailbox it would be filed into cannot be named
// (fileable).
func (s *session) checkLocal(addr string) (Reply, bool) {
	res, err := s.srv.opt.Routes.Resolve(addr)
	switch {
	case errors.Is(err, route.ErrLoop):
		s.srv.log.SMTPFailed(s.logConn(), "alias loop: fix [EmailAlias]", err, "")
		return replyAliasLoop, true
	case err != nil:
		s.srv.log.SMTPFailed(s.logConn(), "cannot resolve "+addr, err, "")
		return replyLocalError, true
	case res.Kind == route.External:
		return Reply{}, false // a forward: no folder here
	case res.Kind == route.Group:
		// The MDA expands the group; its members are checked there, each
		// on its own, so one bad member never sinks the others.
		if s.srv.opt.GroupsLocalOnly && s.origin() != queue.OriginLocal {
			return replyGroupLocalOnly, true
		}
		return Reply{}, false
	case res.Kind == route.Unknown && !res.Postmaster:
		return s.checkUnknown(res.Addr)
	}
	return fileable(res.Addr)
}

// fileable refuses a recipient whose mailbox folder cannot be named: the MDA
// names it with address.SafeName, the same function, so whatever passes here
// can be filed (a quoted local part, "/", a reserved device name would
// otherwise be accepted and only found out after the 250).
func fileable(addr string) (Reply, bool) {
	if _, err := address.SafeName(addr); err != nil {
		return replyNotFileable, true // RFC 3463 §3.2: X.1.3 bad destination mailbox address
	}
	return Reply{}, false
}

// postmasterDomain is the domain of the domainless "<Postmaster>":
// HostDomain, else the first [Domains] entry, else HostName.
func (s *session) postmasterDomain() string {
	if d := s.srv.opt.Domains; len(d) > 0 {
		return d[0]
	}
	return s.srv.host
}

// addressReply maps an address error to its reply; enh is the code for a
// syntax error in this command's path (5.1.7 sender, 5.1.3 recipient).
func addressReply(err error, enh string) Reply {
	switch {
	case errors.Is(err, address.ErrNonASCII):
		return replyNonASCII
	case errors.Is(err, address.ErrParam):
		return reply(501, "5.5.4", "Bad ESMTP parameter")
	case errors.Is(err, address.ErrTooLong):
		return reply(501, enh, "Address too long") // RFC 5321 §4.5.3.1
	}
	return reply(501, enh, "Bad address syntax")
}
