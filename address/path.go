package address

import (
	"fmt"
	"strings"
)

// Path is a reverse-path (MAIL FROM) or forward-path (RCPT TO) of RFC 5321
// §4.1.2. At most one of Null and Postmaster is set; when neither is,
// Mailbox holds a full local@domain.
type Path struct {
	Mailbox Mailbox
	// Null marks "<>", the reverse-path of notifications (RFC 5321 §4.5.5).
	// Mailbox is empty.
	Null bool
	// Postmaster marks "<Postmaster>" without a domain, which RFC 5321
	// §4.1.1.3 allows as a forward-path only and which means the postmaster
	// of the receiving host. Mailbox.Local holds the word as sent and
	// Mailbox.Domain is empty.
	Postmaster bool
}

// ParsePath parses a path in angle brackets: "<>", "<Postmaster>" or
// "<local@domain>", optionally with an obsolete source route
// ("<@a,@b:user@c>"), which is checked and dropped (RFC 5321 §4.1.2 and
// Appendix C). Missing brackets give ErrNoBrackets; a caller that wants to
// accept "MAIL FROM:user@host" decides that itself. ParsePath accepts both
// the null path and the domainless Postmaster; ParseMailArg and ParseRcptArg
// refuse the one their command does not allow.
func ParsePath(s string) (Path, error) { return parsePath(s, false) }

func parsePath(s string, utf bool) (Path, error) {
	if len(s) > maxPath { // RFC 5321 §4.5.3.1.3
		return Path{}, fmt.Errorf("%w: path of %d octets", ErrTooLong, len(s))
	}
	if err := checkBytes(s, utf); err != nil {
		return Path{}, err
	}
	inner, ok := strings.CutPrefix(s, "<")
	if ok {
		inner, ok = strings.CutSuffix(inner, ">")
	}
	if !ok {
		return Path{}, ErrNoBrackets
	}
	if inner == "" {
		return Path{Null: true}, nil // RFC 5321 §4.1.2 Reverse-path = Path / "<>"
	}
	if strings.EqualFold(inner, "postmaster") { // RFC 5321 §4.1.1.3
		return Path{Mailbox: Mailbox{Local: inner}, Postmaster: true}, nil
	}
	inner, err := cutRoute(inner)
	if err != nil {
		return Path{}, err
	}
	m, err := parseMailbox(inner, utf)
	if err != nil {
		return Path{}, err
	}
	return Path{Mailbox: m}, nil
}

// String renders the path in angle brackets, without any source route.
func (p Path) String() string {
	if p.Null {
		return "<>"
	}
	return "<" + p.Mailbox.String() + ">"
}

// cutRoute removes an A-d-l source route ("@a,@b:") from the start of a
// path's inner text after checking it: At-domain *( "," At-domain ) ":"
// with At-domain = "@" Domain (RFC 5321 §4.1.2). Receivers must accept and
// may ignore it (RFC 5321 §3.3, Appendix C); mailq ignores it.
func cutRoute(s string) (string, error) {
	if !strings.HasPrefix(s, "@") {
		return s, nil
	}
	// A Domain holds no ':', and the route takes domains only, never
	// address literals, so the first ':' ends the route.
	route, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", fmt.Errorf("%w: source route without ':'", ErrSyntax)
	}
	for at := range strings.SplitSeq(route, ",") {
		d, ok := strings.CutPrefix(at, "@")
		if !ok || !isDomainName(d) {
			return "", fmt.Errorf("%w: bad source route", ErrSyntax)
		}
	}
	return rest, nil
}
