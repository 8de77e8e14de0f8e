package address

import (
	"fmt"
	"strings"
)

// Arg is the parsed argument of MAIL FROM or RCPT TO: the path and the ESMTP
// parameters after it.
type Arg struct {
	Path   Path
	Params Params
	// Bare reports that the path came without angle brackets
	// ("MAIL FROM:user@host"). RFC 5321 §4.1.2 requires them; the caller
	// decides whether to accept such a path or answer 501.
	Bare bool
}

// Param is one esmtp-param (RFC 5321 §4.1.2), such as SIZE=1234 or
// BODY=8BITMIME.
type Param struct {
	Keyword string // in upper case; keywords are case-insensitive
	Value   string // as sent; "" when the parameter has no "=value"
}

// Params are the ESMTP parameters of one command, in the order sent. No
// keyword appears twice.
type Params []Param

// Get returns the value of the parameter with the given keyword, in any case.
func (ps Params) Get(keyword string) (value string, ok bool) {
	for _, p := range ps {
		if strings.EqualFold(p.Keyword, keyword) {
			return p.Value, true
		}
	}
	return "", false
}

// ParseMailArg parses the text after "MAIL FROM:": a reverse-path, possibly
// "<>", then ESMTP parameters. The domainless "<Postmaster>" is refused: it
// is a forward-path only (RFC 5321 §4.1.1.3).
func ParseMailArg(s string) (Arg, error) { return parseMailArg(s, false) }

func parseMailArg(s string, utf bool) (Arg, error) {
	a, err := parseArg(s, utf)
	if err != nil {
		return Arg{}, err
	}
	if a.Path.Postmaster {
		return Arg{}, fmt.Errorf("%w: postmaster without a domain as reverse-path", ErrSyntax)
	}
	return a, nil
}

// ParseRcptArg parses the text after "RCPT TO:": a forward-path, possibly
// the domainless "<Postmaster>", then ESMTP parameters. The null path is
// refused: RFC 5321 §4.1.1.3 Forward-path has no "<>".
func ParseRcptArg(s string) (Arg, error) { return parseRcptArg(s, false) }

func parseRcptArg(s string, utf bool) (Arg, error) {
	a, err := parseArg(s, utf)
	if err != nil {
		return Arg{}, err
	}
	if a.Path.Null {
		return Arg{}, fmt.Errorf("%w: null forward-path", ErrSyntax)
	}
	return a, nil
}

// parseArg splits and parses "path [SP params]"; utf allows UTF-8 in the
// path (utf8.go).
func parseArg(s string, utf bool) (Arg, error) {
	// "FROM: <x>" is common in the wild although the grammar has no space
	// after the colon (RFC 5321 §4.1.1.2); accept any run of blanks.
	s = strings.TrimLeft(s, " \t")
	text, rest, bare, err := splitPath(s)
	if err != nil {
		return Arg{}, err
	}
	if bare {
		text = "<" + text + ">"
	}
	p, err := parsePath(text, utf)
	if err != nil {
		return Arg{}, err
	}
	params, err := parseParams(rest)
	if err != nil {
		return Arg{}, err
	}
	return Arg{Path: p, Params: params, Bare: bare}, nil
}

// splitPath cuts the path off the front of s. A path in brackets ends at the
// first '>' outside a quoted string; a bare path ends at the first space
// outside one, so `<"a b>c"@x> SIZE=1` splits correctly.
func splitPath(s string) (path, rest string, bare bool, err error) {
	if s == "" {
		return "", "", false, fmt.Errorf("%w: missing path", ErrSyntax)
	}
	bare = s[0] != '<'
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++ // quoted-pairSMTP: the next byte is literal
		case c == '"':
			quoted = !quoted
		case !quoted && !bare && c == '>':
			return s[:i+1], s[i+1:], false, nil
		case !quoted && bare && c == ' ':
			return s[:i], s[i:], true, nil
		}
	}
	if bare {
		return s, "", true, nil
	}
	return "", "", false, fmt.Errorf("%w: '<' not closed", ErrSyntax)
}

// parseParams parses "" or SP esmtp-param *(SP esmtp-param). Runs of spaces
// and trailing spaces are accepted.
func parseParams(s string) (Params, error) {
	if s == "" {
		return nil, nil
	}
	if s[0] != ' ' {
		return nil, fmt.Errorf("%w: no space after the path", ErrSyntax)
	}
	var ps Params
	for field := range strings.SplitSeq(s, " ") {
		if field == "" {
			continue
		}
		kw, val, hasVal := strings.Cut(field, "=")
		if !isKeyword(kw) || hasVal && !isParamValue(val) {
			return nil, fmt.Errorf("%w: %q", ErrParam, field)
		}
		kw = strings.ToUpper(kw)
		if _, dup := ps.Get(kw); dup {
			return nil, fmt.Errorf("%w: %s given twice", ErrParam, kw)
		}
		ps = append(ps, Param{Keyword: kw, Value: val})
	}
	return ps, nil
}

// isKeyword reports whether s is esmtp-keyword = (ALPHA / DIGIT)
// *(ALPHA / DIGIT / "-") (RFC 5321 §4.1.2).
func isKeyword(s string) bool {
	if s == "" || !isLetDig(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetDig(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// isParamValue reports whether s is esmtp-value = 1*(%d33-60 / %d62-126)
// (RFC 5321 §4.1.2): printable ASCII except '=' and space.
func isParamValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 || s[i] == '=' {
			return false
		}
	}
	return true
}
