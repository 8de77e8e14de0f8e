package msgauth

import (
	"bytes"
	"net/mail"
	"strings"

	"github.com/emersion/go-msgauth/authres"
)

// field is one header field of a message: its name and where it lies,
// continuation lines and CRLF included.
type field struct {
	name       string
	start, end int
}

// fields splits the header block of msg into fields and returns them with
// the offset where the header ends (the empty line, or len(msg)).
func fields(msg []byte) ([]field, int) {
	var out []field
	pos := 0
	for pos < len(msg) {
		eol := bytes.IndexByte(msg[pos:], '\n')
		end := len(msg)
		if eol >= 0 {
			end = pos + eol + 1
		}
		line := msg[pos:end]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return out, pos // the empty line ends the header (RFC 5322 §2.1)
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].end = end // a continuation line (§2.2.3)
		} else {
			name, _, _ := bytes.Cut(line, []byte(":"))
			out = append(out, field{name: strings.TrimSpace(string(name)), start: pos, end: end})
		}
		pos = end
	}
	return out, pos
}

// value is a field's unfolded value.
func (f field) value(msg []byte) string {
	_, v, _ := strings.Cut(string(msg[f.start:f.end]), ":")
	v = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", ""), "\n", "")
	return strings.TrimSpace(v)
}

// fromDomain is the domain of the message's one author (RFC 7489 §3.1:
// RFC5322.From); ok is false without exactly one From field naming one
// address.
func fromDomain(msg []byte) (string, bool) {
	fs, _ := fields(msg)
	var from []field
	for _, f := range fs {
		if strings.EqualFold(f.name, "From") {
			from = append(from, f)
		}
	}
	if len(from) != 1 {
		return "", false
	}
	list, err := mail.ParseAddressList(from[0].value(msg))
	if err != nil || len(list) != 1 {
		return "", false
	}
	_, dom, ok := strings.Cut(list[0].Address, "@")
	return strings.ToLower(dom), ok && dom != ""
}

// Header is the Authentication-Results field (RFC 8601) for res, with CRLF.
func (c *Checker) Header(res Results) string {
	var rs []authres.Result
	if s := res.SPF; s.Result != "" {
		r := &authres.SPFResult{Value: authres.ResultValue(s.Result), From: unslash(s.From)}
		if s.From == "" {
			r.Helo = unslash(s.Helo)
		}
		rs = append(rs, r)
		if s.HeloResult != "" && s.From != "" {
			rs = append(rs, &authres.SPFResult{Value: authres.ResultValue(s.HeloResult), Helo: unslash(s.Helo)})
		}
	}
	for _, d := range res.DKIM {
		rs = append(rs, &authres.DKIMResult{Value: authres.ResultValue(d.Result), Domain: unslash(d.Domain)})
	}
	if d := res.DMARC; d.Result != "" {
		rs = append(rs, &authres.DMARCResult{Value: authres.ResultValue(d.Result), From: unslash(d.Domain)})
	}
	// Format leaves a blank before ";" after a result without properties.
	v := strings.ReplaceAll(strings.TrimSpace(authres.Format(c.opt.Host, rs)), " ;", ";")
	return "Authentication-Results: " + safe(v) + "\r\n"
}

// unslash makes a value from the client inert in our field: authres
// quotes a value by escaping its quotes only, so a backslash before a quote
// would end the quoted-string (RFC 5322 §3.2.4), and readers that split
// the field at ";" without regard to quotes (go-msgauth's own parser among
// them) would take what follows for results; either way the client could
// append a result of its own ("dkim=pass") to ours. Quotes, backslashes,
// semicolons and comment parentheses become "?".
func unslash(s string) string { return valueReplacer.Replace(s) }

var valueReplacer = strings.NewReplacer(`\`, "?", `"`, "?", ";", "?", "(", "?", ")", "?")

// safe keeps a header value on one line of printable ASCII (RFC 5322 §2.2):
// the values come from the client (MAIL FROM, HELO, d=).
func safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c >= 0x7f {
			b[i] = '?'
		}
	}
	return string(b)
}

// Rewrite returns msg as stored: our Authentication-Results field on top,
// without any that claims our authserv-id from outside (RFC 8601 §5), and,
// when mark is set, X-Spam-Flag: YES and the subject tag.
func (c *Checker) Rewrite(msg []byte, res Results, mark bool) []byte {
	fs, hend := fields(msg)
	out := make([]byte, 0, len(msg)+512)
	out = append(out, c.Header(res)...)
	if mark {
		out = append(out, "X-Spam-Flag: YES\r\n"...)
	}
	tagged := !mark || c.opt.SubjectTag == ""
	last := 0
	for _, f := range fs {
		switch {
		case strings.EqualFold(f.name, "Authentication-Results") && c.ours(f.value(msg)):
			out = append(out, msg[last:f.start]...)
			last = f.end
		case strings.EqualFold(f.name, "X-Spam-Flag") && mark:
			out = append(out, msg[last:f.start]...) // ours replaces it
			last = f.end
		case strings.EqualFold(f.name, "Subject") && !tagged:
			tagged = true
			out = append(out, msg[last:f.start]...)
			out = append(out, c.tagSubject(msg[f.start:f.end])...)
			last = f.end
		}
	}
	out = append(out, msg[last:hend]...)
	if !tagged {
		out = append(out, "Subject: "+c.opt.SubjectTag+"\r\n"...)
	}
	return append(out, msg[hend:]...)
}

// ours reports whether an Authentication-Results value names our host as
// its authserv-id (RFC 8601 §2.2: the first token, before any version;
// comments may stand anywhere, RFC 5322 §3.2.2).
func (c *Checker) ours(v string) bool {
	id, _, _ := strings.Cut(uncomment(v), ";")
	if f := strings.Fields(id); len(f) > 0 {
		id = f[0]
	}
	id = strings.TrimSpace(id)
	if len(id) >= 2 && id[0] == '"' && id[len(id)-1] == '"' {
		id = unquote(id[1 : len(id)-1]) // RFC 8601 §2.2: authserv-id is a value, so it may be a quoted-string
	}
	return strings.EqualFold(id, c.opt.Host)
}

// unquote drops the backslashes of a quoted-string's quoted-pairs (RFC
// 5322 §3.2.1).
func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// uncomment replaces the comments of a header value, nested ones
// included, with a blank; a backslash quotes the next character.
func uncomment(v string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch == '\\' && depth > 0:
			i++
		case ch == '(':
			if depth == 0 {
				b.WriteByte(' ')
			}
			depth++
		case ch == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// tagSubject puts the subject tag in front of a Subject field's value,
// unless it is there already.
func (c *Checker) tagSubject(f []byte) []byte {
	name, v, _ := bytes.Cut(f, []byte(":"))
	if bytes.HasPrefix(bytes.TrimLeft(v, " \t"), []byte(c.opt.SubjectTag)) {
		return f
	}
	out := append([]byte{}, name...)
	out = append(out, ": "+c.opt.SubjectTag...)
	if t := bytes.TrimLeft(v, " \t"); len(t) > 0 && t[0] != '\r' && t[0] != '\n' {
		out = append(out, ' ')
	}
	return append(out, bytes.TrimLeft(v, " \t")...)
}
