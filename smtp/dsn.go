package smtp

import (
	"strings"

	"mailq/address"
	"mailq/queue"
)

// Delivery status notification parameters (RFC 3461), offered as "DSN" in
// the EHLO reply: RET and ENVID of MAIL, NOTIFY and ORCPT of RCPT. They are
// kept in the .auth (queue format version 4) for the agents, which write
// the notices and pass the parameters on. A repeated parameter is refused
// by the argument parser (501, RFC 3461 §4: "MUST NOT be given more than
// once"); a bad value here with 501 5.5.4; an unknown keyword with 555.

var (
	replyBadRet    = reply(501, "5.5.4", "RET must be FULL or HDRS")
	replyBadEnvID  = reply(501, "5.5.4", "ENVID must be xtext of at most 100 characters")
	replyBadNotify = reply(501, "5.5.4", "NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
	replyBadORcpt  = reply(501, "5.5.4", "ORCPT must be addr-type;xtext of at most 500 characters")
)

// dsnMail is the DSN request of MAIL.
type dsnMail struct {
	ret   queue.Ret
	envid string // xtext decoded
}

// param takes one MAIL parameter other than SIZE, BODY and AUTH: RET or
// ENVID, else it is refused (bad true) as unsupported.
func (d *dsnMail) param(p address.Param) (r Reply, bad bool) {
	switch p.Keyword {
	case "RET": // RFC 3461 §4.3
		ret, ok := queue.ParseRet(p.Value)
		if !ok {
			return replyBadRet, true
		}
		d.ret = ret
	case "ENVID": // RFC 3461 §4.4: at most 100 characters, xtext
		v, ok := queue.ParseXtext(p.Value)
		if !ok || len(p.Value) > 100 {
			return replyBadEnvID, true
		}
		d.envid = v
	default:
		return replyBadParam, true
	}
	return Reply{}, false
}

// rcptDSN takes the parameters of RCPT into rc: NOTIFY and ORCPT; any
// other is refused as unsupported.
func rcptDSN(ps address.Params, rc *queue.Recipient) (r Reply, bad bool) {
	for _, p := range ps {
		switch p.Keyword {
		case "NOTIFY": // RFC 3461 §4.1: NEVER alone, or each condition once
			n, ok := queue.ParseNotify(p.Value)
			if !ok {
				return replyBadNotify, true
			}
			rc.Notify = n
		case "ORCPT": // RFC 3461 §4.2: addr-type ";" xtext, at most 500 characters
			t, x, ok := strings.Cut(p.Value, ";")
			v, okx := queue.ParseXtext(x)
			if !ok || !okx || !isAtom(t) || v == "" || len(p.Value) > 500 {
				return replyBadORcpt, true
			}
			rc.ORcpt = t + ";" + v
		default:
			return replyBadParam, true
		}
	}
	return Reply{}, false
}

// isAtom reports an RFC 5322 atom of letters, digits and "-" (the
// registered address types: rfc822, utf-8, x400...).
func isAtom(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
