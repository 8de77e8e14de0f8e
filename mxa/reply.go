package mxa

import (
	"fmt"
	"strconv"
	"strings"
)

// Reply is an SMTP reply: one the remote server sent, or one the agent makes
// up for what happened locally (a refused connection, a DNS failure, a loop).
// It implements error, so the client's steps return it as they are.
type Reply struct {
	Code  int      // the three-digit reply code
	Enh   string   // the enhanced status code (RFC 3463), "" if none
	Lines []string // the text, one element per line, without code or status
	// Host is the server that sent it, as name[ip]; "" for a local reply.
	Host string
	// Passed marks the reply to the end of data from a server that offers
	// DSN and was given the request (RFC 3461 §5.2): it reports success.
	Passed bool
}

// Temporary reports whether a later attempt may succeed: everything but a
// 5yz reply (RFC 5321 §4.2.1).
func (r *Reply) Temporary() bool { return r.Code < 500 || r.Code > 599 }

// Positive reports a 2yz or 3yz reply.
func (r *Reply) Positive() bool { return r.Code >= 200 && r.Code < 400 }

// Error renders the reply on one line: "550 5.1.1 text / more text".
func (r *Reply) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(r.Code))
	if r.Enh != "" {
		b.WriteByte(' ')
		b.WriteString(r.Enh)
	}
	if len(r.Lines) > 0 {
		b.WriteByte(' ')
		b.WriteString(strings.Join(r.Lines, " / "))
	}
	return b.String()
}

// Status returns the enhanced status code, or the class default (RFC 3463 §3:
// x.0.0) when the server sent none.
func (r *Reply) Status() string {
	if r.Enh != "" {
		return r.Enh
	}
	switch {
	case r.Code >= 500:
		return "5.0.0"
	case r.Code >= 400:
		return "4.0.0"
	}
	return "2.0.0"
}

// local makes a reply for a local condition. The code follows the status
// class: 451 for 4.x.x, 554 for 5.x.x.
func local(enh, format string, args ...any) *Reply {
	code := 451
	if strings.HasPrefix(enh, "5.") {
		code = 554
	}
	return &Reply{Code: code, Enh: enh, Lines: []string{fmt.Sprintf(format, args...)}}
}

// splitEnh splits an enhanced status code off the start of a reply line's
// text. It accepts it only when its class agrees with the reply code (RFC
// 3463 §2: class 2, 4 or 5, subject and detail of one to three digits).
func splitEnh(code int, text string) (enh, rest string) {
	sp := strings.IndexByte(text, ' ')
	tok := text
	if sp >= 0 {
		tok, rest = text[:sp], text[sp+1:]
	}
	if !validEnh(tok) || int(tok[0]-'0') != code/100 {
		return "", text
	}
	return tok, rest
}

func validEnh(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) < 1 || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// parseReplyLine reads one line of a reply: "250-text", "250 text" or "250".
// more is true for a continuation line (RFC 5321 §4.2.1).
func parseReplyLine(line string) (code int, more bool, text string, ok bool) {
	if len(line) < 3 {
		return 0, false, "", false
	}
	for i := 0; i < 3; i++ {
		if line[i] < '0' || line[i] > '9' {
			return 0, false, "", false
		}
	}
	code, _ = strconv.Atoi(line[:3])
	if code < 200 || code > 599 {
		return 0, false, "", false
	}
	switch {
	case len(line) == 3:
		return code, false, "", true
	case line[3] == ' ':
		return code, false, line[4:], true
	case line[3] == '-':
		return code, true, line[4:], true
	}
	return 0, false, "", false
}

// The Result field of a recipient in the .auth file keeps the last outcome,
// so that a bounce written after a crash says the same as one written at
// once. A remote reply is stored as "host[ip] said: 550 5.1.1 text", a local
// one as "451 4.4.1 text". formatResult and parseResult convert.

const saidSep = " said: "

// formatResult renders r for the Result field.
func formatResult(r *Reply) string {
	if r.Host != "" {
		return r.Host + saidSep + r.Error()
	}
	return r.Error()
}

// parseResult reads a Result field back. Text that is neither form (an
// envelope edited by hand) becomes a local reply of the given class.
func parseResult(s string, failed bool) *Reply {
	r := &Reply{}
	if i := strings.Index(s, saidSep); i > 0 && !strings.Contains(s[:i], " ") {
		r.Host, s = s[:i], s[i+len(saidSep):]
	}
	if len(s) >= 3 {
		if code, err := strconv.Atoi(s[:3]); err == nil && code >= 200 && code <= 599 && (len(s) == 3 || s[3] == ' ') {
			r.Code = code
			rest := ""
			if len(s) > 4 {
				rest = s[4:]
			}
			r.Enh, rest = splitEnh(code, rest)
			if rest != "" {
				r.Lines = []string{rest}
			}
			return r
		}
	}
	r.Host = ""
	r.Code, r.Enh = 451, "4.0.0"
	if failed {
		r.Code, r.Enh = 554, "5.0.0"
	}
	if s != "" {
		r.Lines = []string{s}
	}
	return r
}
