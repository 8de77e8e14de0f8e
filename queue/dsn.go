package queue

import (
	"strings"
)

// Delivery status notification requests (RFC 3461), kept in the .auth file
// from format version 4 on (doc.go): RET and ENVID of MAIL as the fields
// "ret" and "envid", NOTIFY and ORCPT of RCPT as the recipient attributes
// "notify" and "orcpt", and what the agents did about them as the attributes
// "warned" (a delay notice was written) and "passed" (the next hop took the
// request over), and the field "report" of a delay notice.

// Ret is the RET parameter of MAIL (RFC 3461 §4.3): how much of the message
// a notice returns. The zero value is absent: the reporting server decides
// (mailq returns the header, as for RetHdrs).
type Ret int

// The RET values.
const (
	RetUnset Ret = iota
	RetFull
	RetHdrs
)

var retNames = [...]string{"", "FULL", "HDRS"}

func (r Ret) String() string {
	if r < 0 || int(r) >= len(retNames) {
		return "ret(?)"
	}
	return retNames[r]
}

// ParseRet parses a RET value, in either case.
func ParseRet(v string) (Ret, bool) {
	for i, name := range retNames {
		if i > 0 && strings.EqualFold(v, name) {
			return Ret(i), true
		}
	}
	return RetUnset, false
}

// Notify is the NOTIFY parameter of RCPT (RFC 3461 §4.1): a set of
// conditions, or NEVER. The zero value is absent, which mailq takes as
// FAILURE,DELAY (§4.1 leaves it to the server; that is the usual choice).
type Notify uint8

// The NOTIFY keywords.
const (
	NotifySuccess Notify = 1 << iota
	NotifyFailure
	NotifyDelay
	NotifyNever
)

var notifyNames = [...]string{"SUCCESS", "FAILURE", "DELAY", "NEVER"}

// String is the canonical parameter value, "SUCCESS,FAILURE"; "" if absent.
func (n Notify) String() string {
	var out []string
	for i, name := range notifyNames {
		if n&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return strings.Join(out, ",")
}

// Wants reports whether a notice of condition c (one of NotifySuccess,
// NotifyFailure, NotifyDelay) is asked for: absent NOTIFY asks for failure
// and delay notices, NEVER for none.
func (n Notify) Wants(c Notify) bool {
	if n == 0 {
		return c == NotifyFailure || c == NotifyDelay
	}
	return n&c != 0
}

// ParseNotify parses a NOTIFY value: NEVER alone, or a comma-separated list
// of SUCCESS, FAILURE and DELAY, each at most once (RFC 3461 §4.1), in
// either case.
func ParseNotify(v string) (Notify, bool) {
	var n Notify
	for _, kw := range strings.Split(v, ",") {
		i := 0
		for i < len(notifyNames) && !strings.EqualFold(kw, notifyNames[i]) {
			i++
		}
		if i == len(notifyNames) || n&(1<<i) != 0 {
			return 0, false
		}
		n |= 1 << i
	}
	if n&NotifyNever != 0 && n != NotifyNever {
		return 0, false // "NEVER ... MUST NOT be combined with any other"
	}
	return n, true
}

// dsnVersion reports whether e holds a field of format version 4.
func (e *Envelope) dsnVersion() bool {
	if e.Ret != RetUnset || e.EnvID != "" || e.Notice.Delay {
		return true
	}
	for _, r := range e.Recipients {
		if r.Notify != 0 || r.ORcpt != "" || !r.Warned.IsZero() || r.Passed {
			return true
		}
	}
	return false
}

// dsnAttrs appends r's version 4 attributes to a rcpt line.
func dsnAttrs(b *strings.Builder, r *Recipient) {
	if r.Notify != 0 {
		b.WriteString(" notify=" + r.Notify.String())
	}
	if r.ORcpt != "" {
		b.WriteString(" orcpt=" + escape(r.ORcpt))
	}
	if !r.Warned.IsZero() {
		b.WriteString(" warned=" + formatTime(r.Warned))
	}
	if r.Passed {
		b.WriteString(" passed=yes")
	}
}

// setDSNAttr sets one version 4 rcpt attribute; known is false for a key
// that is not one.
func setDSNAttr(r *Recipient, k, v string) (known bool, err error) {
	switch k {
	case "notify":
		var ok bool
		if r.Notify, ok = ParseNotify(v); !ok {
			err = strErr("bad NOTIFY list")
		}
	case "orcpt":
		r.ORcpt, err = unescape(v)
	case "warned":
		r.Warned, err = parseTime(v)
	case "passed":
		if v != "yes" {
			err = strErr("want yes")
		}
		r.Passed = true
	default:
		return false, nil
	}
	return true, err
}

// ParseXtext decodes RFC 3461 §4 xtext: printable ASCII but "+" and "=",
// and "+" with two upper-case hex digits for any octet.
func ParseXtext(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) {
				return "", false
			}
			hi, lo := xunhex(s[i+1]), xunhex(s[i+2])
			if hi < 0 || lo < 0 {
				return "", false
			}
			b.WriteByte(byte(hi<<4 | lo))
			i += 2
		case c < '!' || c > '~' || c == '=':
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// Xtext is the inverse of ParseXtext, for passing a parameter on.
func Xtext(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			b.WriteByte('+')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func xunhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1 // RFC 3461 §4: hexchar is upper case only
}
