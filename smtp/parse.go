package smtp

import (
	"errors"
	"strings"
)

// command is one parsed command line.
type command struct {
	verb string // upper-case letters; "" for a first word that is no verb
	arg  string // the rest of the line after the verb and its blanks, trailing blanks removed
	http bool   // the line is an HTTP request line ("GET / HTTP/1.1")
}

// maxVerb is longer than any verb; a longer first word is no verb.
const maxVerb = 16

// Parse errors. Both get 500 5.5.2.
var (
	errEmpty   = errors.New("smtp: empty command line")
	errControl = errors.New("smtp: control character in command line")
)

// httpMethods start the request lines the HTTP GET responder answers. They
// are case-sensitive, as in HTTP (RFC 9110 §9.1).
var httpMethods = []string{"GET ", "POST ", "HEAD "}

// parseCommand splits a command line (without its CRLF) into verb and
// argument. It is pure and never panics. A first word that is not 1 to
// maxVerb ASCII letters gives a command with an empty verb, which the loop
// answers as unrecognized; control characters other than HT anywhere in the
// line are a syntax error (RFC 5321 §4.1.1: commands are printable text).
// Blanks around the verb and at the end are tolerated: telnet users type them.
func parseCommand(line []byte) (command, error) {
	for _, c := range line {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return command{}, errControl
		}
	}
	s := strings.Trim(string(line), " \t")
	if s == "" {
		return command{}, errEmpty
	}
	for _, m := range httpMethods {
		if strings.HasPrefix(s, m) {
			return command{verb: strings.TrimSpace(m), arg: strings.TrimLeft(s[len(m):], " \t"), http: true}, nil
		}
	}
	word, rest := s, ""
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		word, rest = s[:i], strings.TrimLeft(s[i:], " \t")
	}
	if !isVerb(word) {
		return command{arg: rest}, nil
	}
	return command{verb: strings.ToUpper(word), arg: rest}, nil
}

func isVerb(w string) bool {
	if w == "" || len(w) > maxVerb {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// cutPrefixFold removes prefix from s, ignoring ASCII case, and reports
// whether it was there: "from:" for MAIL, "to:" for RCPT.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
