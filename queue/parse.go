package queue

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ParseEnvelope decodes an .auth file (format in doc.go). Anything that
// does not follow the format, including a file torn before its end line
// (DURABILITY rule 3), gives an error wrapping ErrMalformed; it never panics.
// Missing optional fields are left zero: Tree.Envelope fills in defaults.
func ParseEnvelope(data []byte) (*Envelope, error) {
	e := new(Envelope)
	if err := e.UnmarshalText(data); err != nil {
		return nil, err
	}
	return e, nil
}

// UnmarshalText decodes an .auth file into e, replacing its content; see
// ParseEnvelope.
func (e *Envelope) UnmarshalText(data []byte) error {
	*e = Envelope{}
	if len(data) > maxEnvelopeSize {
		return malformed("larger than %d bytes", maxEnvelopeSize)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark from Notepad
	lines := bytes.Split(data, []byte("\n"))
	if n := len(lines); n > 1 && len(lines[n-1]) == 0 {
		lines = lines[:n-1] // the newline ending the last line
	}
	p := parser{env: e, seen: make(map[string]bool)}
	for i, raw := range lines {
		if p.ended {
			return malformed("line %d: text after the end line", i+1)
		}
		if err := p.line(i+1, raw); err != nil {
			return err
		}
	}
	if !p.ended {
		return malformed("no end line (torn file?)")
	}
	if !p.seen["from"] {
		return malformed("no from line")
	}
	if len(e.Recipients) == 0 {
		return malformed("no rcpt line")
	}
	e.number()
	return nil
}

type parser struct {
	env     *Envelope
	seen    map[string]bool // single fields already read, and recipient numbers
	ended   bool
	magic   bool
	version int // of the file, from its first line
}

// line parses one line; n is its 1-based number.
func (p *parser) line(n int, raw []byte) error {
	raw = bytes.TrimSuffix(raw, []byte("\r")) // CRLF files written on Windows
	for _, c := range raw {
		if c < ' ' && c != '\t' || c == 0x7f {
			return malformed("line %d: control character %#02x", n, c)
		}
	}
	f := fields(string(raw))
	if !p.magic {
		if len(f) != 2 || f[0] != formatMagic {
			return malformed("line 1: not a mailq envelope")
		}
		v, err := strconv.Atoi(f[1])
		if err != nil || v < 1 || v > formatVersion || f[1] != strconv.Itoa(v) {
			return malformed("line 1: unsupported version %q", f[1])
		}
		p.magic, p.version = true, v
		return nil
	}
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return nil // blank lines and comments, for people writing by hand
	}
	key := f[0]
	if key == "end" {
		if len(f) != 1 {
			return malformed("line %d: end takes no value", n)
		}
		p.ended = true
		return nil
	}
	if key == "rcpt" {
		return p.rcpt(n, f[1:])
	}
	if p.seen[key] {
		return malformed("line %d: %s repeated", n, key)
	}
	p.seen[key] = true
	if len(f) != 2 {
		return malformed("line %d: %s needs exactly one value", n, key)
	}
	if err := p.field(key, f[1]); err != nil {
		return malformed("line %d: %s: %v", n, key, err)
	}
	return nil
}

// field sets the single-valued field key from its raw value v.
func (p *parser) field(key, v string) error {
	e := p.env
	var err error
	switch key {
	case "id":
		e.ID = ID(v)
		if !e.ID.Valid() {
			return ErrBadID
		}
	case "tracking":
		e.Tracking, err = unescape(v)
	case "received":
		e.Received, err = parseTime(v)
	case "client":
		var s string
		if s, err = unescape(v); err == nil {
			e.ClientIP, err = netip.ParseAddr(s)
		}
	case "helo":
		e.Helo, err = unescape(v)
	case "auth":
		e.AuthUser, err = unescape(v)
	case "origin":
		if p.version < 2 {
			return errUnknownKey // new in version 2: a version 1 file means what version 1 readers see
		}
		e.Origin, err = parseOrigin(v)
	case "from":
		e.From, err = unescapePath(v)
	case "body":
		e.Body, err = parseBody(v)
	case "smtputf8":
		if p.version < 4 {
			return errUnknownKey // new in version 4, as origin in version 2
		}
		if !strings.EqualFold(v, "yes") {
			return strErr("want yes")
		}
		e.SMTPUTF8 = true
	case "size":
		e.Size, err = parseCount(v, 1<<62)
	case "notice":
		if p.version < 3 {
			return errUnknownKey // new in version 3, as origin in 2
		}
		delay := e.Notice.Delay // "report" may come first
		e.Notice, err = parseNoticeOf(v)
		e.Notice.Delay = delay
	case "report", "ret", "envid":
		if p.version < 4 {
			return errUnknownKey // new in version 4, as origin in 2
		}
		err = p.dsnField(key, v)
	default:
		return errUnknownKey
	}
	return err
}

// dsnField sets a field of version 4 (dsn.go).
func (p *parser) dsnField(key, v string) error {
	e := p.env
	var err error
	switch key {
	case "report":
		if v != "delayed" {
			return strErr("want delayed")
		}
		e.Notice.Delay = true
	case "ret":
		var ok bool
		if e.Ret, ok = ParseRet(v); !ok {
			err = strErr("want FULL or HDRS")
		}
	case "envid":
		e.EnvID, err = unescape(v)
	}
	return err
}

var errUnknownKey = strErr("unknown key")

type strErr string

func (s strErr) Error() string { return string(s) }

// rcpt parses the fields of a rcpt line: the address, then attributes.
func (p *parser) rcpt(n int, f []string) error {
	if len(f) == 0 {
		return malformed("line %d: rcpt needs an address", n)
	}
	addr, err := unescapePath(f[0])
	if err == nil && addr == "" {
		err = strErr("the null path is not a recipient")
	}
	if err != nil {
		return malformed("line %d: rcpt: %v", n, err)
	}
	r := Recipient{Addr: addr}
	seen := make(map[string]bool, len(f))
	for _, kv := range f[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" || seen[k] {
			return malformed("line %d: rcpt attribute %q: want one key=value", n, kv)
		}
		seen[k] = true
		if known, err := setDSNAttr(&r, k, v); known {
			if p.version < 4 {
				err = errUnknownKey // new in version 4
			}
			if err != nil {
				return malformed("line %d: rcpt %s: %v", n, k, err)
			}
			continue
		}
		if err := setAttr(&r, k, v); err != nil {
			return malformed("line %d: rcpt %s: %v", n, k, err)
		}
	}
	if r.N != 0 {
		key := "n=" + strconv.Itoa(r.N)
		if p.seen[key] {
			return malformed("line %d: rcpt number %d repeated", n, r.N)
		}
		p.seen[key] = true
	}
	p.env.Recipients = append(p.env.Recipients, r)
	if len(p.env.Recipients) > MaxRecipients {
		return malformed("line %d: more than %d recipients", n, MaxRecipients)
	}
	return nil
}

// setAttr sets one key=value attribute of a rcpt line.
func setAttr(r *Recipient, k, v string) error {
	var err error
	switch k {
	case "n":
		var n int64
		n, err = parseCount(v, MaxRecipients)
		r.N = int(n)
		if err == nil && n == 0 {
			err = strErr("recipient numbers start at 1")
		}
	case "orig":
		r.Orig, err = unescapePath(v)
	case "status":
		r.Status, err = parseStatus(v)
	case "attempts":
		var n int64
		n, err = parseCount(v, 1<<31-1)
		r.Attempts = int(n)
	case "next":
		r.Next, err = parseTime(v)
	case "result":
		r.Result, err = unescape(v)
	default:
		err = errUnknownKey
	}
	return err
}

// fields splits a line at runs of spaces and tabs.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
}

func parseTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, strErr("not an RFC 3339 time")
	}
	if t = t.UTC(); !timeOK(t) {
		return time.Time{}, strErr("time out of range in UTC")
	}
	return t, nil
}

// parseCount parses a decimal number from 0 to limit, digits only.
func parseCount(v string, limit int64) (int64, error) {
	if !allDigits(v) || v == "" {
		return 0, strErr("not a decimal number")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > limit {
		return 0, strErr("number too large")
	}
	return n, nil
}

func parseStatus(v string) (Status, error) {
	for i, name := range statusNames {
		if strings.EqualFold(v, name) {
			return Status(i), nil
		}
	}
	return 0, strErr("unknown status")
}

func parseBody(v string) (Body, error) {
	for i, name := range bodyNames {
		if strings.EqualFold(v, name) {
			return Body(i), nil
		}
	}
	return 0, strErr("unknown body type")
}
