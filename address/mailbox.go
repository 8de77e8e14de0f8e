package address

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Sentinel errors. Every error from this package matches exactly one of them
// with errors.Is; see the package comment for the replies they map to.
var (
	// ErrSyntax means the text is not a mailbox or path of RFC 5321 §4.1.2.
	ErrSyntax = errors.New("address: syntax error")
	// ErrNoBrackets means a path lacks its angle brackets. It matches
	// ErrSyntax too; callers that want to be lenient check it first.
	ErrNoBrackets = fmt.Errorf("%w: path not in angle brackets", ErrSyntax)
	// ErrNonASCII means the text has 8-bit bytes, which only a
	// transaction under SMTPUTF8 may use (RFC 6531 §3.2; utf8.go).
	ErrNonASCII = errors.New("address: non-ASCII characters")
	// ErrTooLong means a local part, domain or path is over the limits of
	// RFC 5321 §4.5.3.1.
	ErrTooLong = errors.New("address: too long")
	// ErrParam means an ESMTP parameter after the path is malformed or
	// repeated.
	ErrParam = errors.New("address: bad ESMTP parameter")
)

const (
	maxLocal  = 64  // RFC 5321 §4.5.3.1.1
	maxDomain = 255 // RFC 5321 §4.5.3.1.2
	maxPath   = 256 // RFC 5321 §4.5.3.1.3, counting the angle brackets
	maxLabel  = 63  // RFC 1035 §2.3.4
)

// Mailbox is an RFC 5321 mailbox, local@domain. Local is the local part as
// the user meant it, with the quotes and quoted pairs of a Quoted-string
// removed; it holds only printable ASCII and spaces. Domain is a domain name
// or an address literal with its brackets ("[192.0.2.1]", "[IPv6:2001:db8::1]"),
// spelled as received.
type Mailbox struct {
	Local  string
	Domain string
}

// ParseMailbox parses local@domain without angle brackets (RFC 5321 §4.1.2
// Mailbox). The local part is a Dot-string or a Quoted-string; the domain is
// dot-separated LDH labels or an IPv4 or IPv6 address literal.
func ParseMailbox(s string) (Mailbox, error) { return parseMailbox(s, false) }

// parseMailbox is ParseMailbox; utf allows UTF-8 (RFC 6531 §3.3): the
// local part is NFC-normalised and a U-label domain becomes its A-label.
func parseMailbox(s string, utf bool) (Mailbox, error) {
	if err := checkBytes(s, utf); err != nil {
		return Mailbox{}, err
	}
	if len(s) > maxPath-2 { // RFC 5321 §4.5.3.1.3: the mailbox must fit in a path
		return Mailbox{}, fmt.Errorf("%w: mailbox of %d octets", ErrTooLong, len(s))
	}
	local, n, err := parseLocal(s)
	if err != nil {
		return Mailbox{}, err
	}
	if n > maxLocal { // RFC 5321 §4.5.3.1.1
		return Mailbox{}, fmt.Errorf("%w: local part of %d octets", ErrTooLong, n)
	}
	if n == len(s) || s[n] != '@' {
		return Mailbox{}, fmt.Errorf("%w: no @ after the local part", ErrSyntax)
	}
	domain := s[n+1:]
	if utf {
		if local, domain, err = toUTF8Form(local, domain); err != nil {
			return Mailbox{}, err
		}
	}
	if err := checkDomain(domain); err != nil {
		return Mailbox{}, err
	}
	return Mailbox{Local: local, Domain: domain}, nil
}

// String renders the mailbox as it goes on the wire: the local part as a
// Dot-string when it is one and as a Quoted-string otherwise (RFC 5321
// §4.1.2), then "@" and the domain. A mailbox without a domain (the
// domainless "Postmaster" of RCPT TO) renders as its local part alone.
func (m Mailbox) String() string {
	if m.Domain == "" {
		return quoteLocal(m.Local)
	}
	return quoteLocal(m.Local) + "@" + m.Domain
}

// Key is the canonical form for lookups and comparisons: String in lower
// case. RFC 5321 §2.4 lets only the receiving host interpret the local part's
// case; mailq, like most servers, treats it as case-insensitive.
func (m Mailbox) Key() string {
	return strings.ToLower(m.String())
}

// IsPostmaster reports whether the local part is "postmaster" in any case
// (RFC 5321 §4.5.1).
func (m Mailbox) IsPostmaster() bool {
	return strings.EqualFold(m.Local, "postmaster")
}

// IP returns the address of an address-literal domain; ok is false for a
// domain name.
func (m Mailbox) IP() (ip netip.Addr, ok bool) {
	inner, found := strings.CutPrefix(m.Domain, "[")
	if !found || !strings.HasSuffix(inner, "]") {
		return netip.Addr{}, false
	}
	return parseLiteral(inner[:len(inner)-1])
}

// ValidDomain reports whether s may follow the "@" of a mailbox: a domain of
// LDH labels or an address literal (RFC 5321 §4.1.2 Domain / address-literal),
// within the length limits. It is also the test for a HELO/EHLO argument.
func ValidDomain(s string) bool {
	return checkBytes(s, false) == nil && checkDomain(s) == nil
}

// checkBytes refuses the bytes no mailbox or path may hold anywhere; utf
// allows well-formed UTF-8 (RFC 6531 §3.3 UTF8-non-ascii) other than
// controls.
func checkBytes(s string, utf bool) error {
	if utf {
		return checkUTF8(s)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80: // RFC 6531 §3.2: only under SMTPUTF8
			return ErrNonASCII
		case c < 0x20 || c == 0x7f: // RFC 5321 §4.1.2: qtextSMTP and atext exclude controls
			return fmt.Errorf("%w: control character 0x%02x", ErrSyntax, c)
		}
	}
	return nil
}

// parseLocal parses the local part at the start of s and returns it decoded,
// with the number of octets it took on the wire.
func parseLocal(s string) (local string, n int, err error) {
	if strings.HasPrefix(s, `"`) {
		return parseQuoted(s)
	}
	end := strings.IndexByte(s, '@')
	if end < 0 {
		end = len(s)
	}
	if !isDotString(s[:end]) { // RFC 5321 §4.1.2 Dot-string
		return "", 0, fmt.Errorf("%w: local part is not a dot-string", ErrSyntax)
	}
	return s[:end], end, nil
}

// parseQuoted parses a Quoted-string at the start of s (RFC 5321 §4.1.2).
func parseQuoted(s string) (local string, n int, err error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			// quoted-pairSMTP = %d92 %d32-126; checkBytes has refused the rest.
			if i+1 == len(s) {
				return "", 0, fmt.Errorf("%w: quoted pair cut short", ErrSyntax)
			}
			i++
			b.WriteByte(s[i])
		case '"':
			if b.Len() == 0 {
				// The grammar allows "" but an empty local part is useless
				// and looks like the null path; refuse it.
				return "", 0, fmt.Errorf("%w: empty local part", ErrSyntax)
			}
			return b.String(), i + 1, nil
		default:
			b.WriteByte(c) // qtextSMTP: printable ASCII and space
		}
	}
	return "", 0, fmt.Errorf("%w: quoted local part not closed", ErrSyntax)
}

// quoteLocal renders a decoded local part: as is when it is a Dot-string,
// otherwise as a Quoted-string with only '"' and '\' escaped.
func quoteLocal(l string) string {
	if isDotString(l) {
		return l
	}
	var b strings.Builder
	b.Grow(len(l) + 2)
	b.WriteByte('"')
	for i := 0; i < len(l); i++ {
		if l[i] == '"' || l[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(l[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isDotString reports whether s is Atom *("." Atom) (RFC 5321 §4.1.2),
// where atext includes UTF8-non-ascii (RFC 6531 §3.3): only a parse under
// SMTPUTF8 lets such bytes through checkBytes.
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			if s[i-1] == '.' { // empty atom
				return false
			}
			continue
		}
		if !isAtext(s[i]) && s[i] < 0x80 {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 §3.2.3 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// checkDomain checks the part after "@": Domain or address-literal.
func checkDomain(d string) error {
	if len(d) > maxDomain { // RFC 5321 §4.5.3.1.2
		return fmt.Errorf("%w: domain of %d octets", ErrTooLong, len(d))
	}
	if inner, ok := strings.CutPrefix(d, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if !ok {
			return fmt.Errorf("%w: address literal not closed", ErrSyntax)
		}
		if _, ok := parseLiteral(inner); !ok {
			return fmt.Errorf("%w: bad address literal", ErrSyntax)
		}
		return nil
	}
	if !isDomainName(d) {
		return fmt.Errorf("%w: bad domain", ErrSyntax)
	}
	return nil
}

// isDomainName reports whether d is sub-domain *("." sub-domain) with
// sub-domain = Let-dig [Ldh-str] (RFC 5321 §4.1.2), each label at most 63
// octets. Trailing dots and empty labels are refused.
func isDomainName(d string) bool {
	if d == "" {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > maxLabel {
			return false
		}
		if !isLetDig(label[0]) || !isLetDig(label[len(label)-1]) {
			return false
		}
		for i := 1; i < len(label)-1; i++ {
			if !isLetDig(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

func isLetDig(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// parseLiteral parses the text between the brackets of an address literal:
// IPv4-address-literal or "IPv6:" IPv6-addr (RFC 5321 §4.1.3). No General-
// address-literal tag is registered, so every other tag is refused.
func parseLiteral(s string) (netip.Addr, bool) {
	if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
		a, err := netip.ParseAddr(s[5:])
		// A zone ("%eth0") is not part of IPv6-addr.
		if err != nil || !a.Is6() || a.Zone() != "" {
			return netip.Addr{}, false
		}
		return a, true
	}
	return parseIPv4(s)
}

// parseIPv4 parses Snum 3("." Snum) with Snum = 1*3DIGIT of value 0-255
// (RFC 5321 §4.1.3). Unlike netip it accepts leading zeros, which the grammar
// allows; they are read as decimal.
func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	part := 0
	for field := range strings.SplitSeq(s, ".") {
		if part == 4 || len(field) == 0 || len(field) > 3 {
			return netip.Addr{}, false
		}
		v := 0
		for i := 0; i < len(field); i++ {
			if field[i] < '0' || field[i] > '9' {
				return netip.Addr{}, false
			}
			v = v*10 + int(field[i]-'0')
		}
		if v > 255 {
			return netip.Addr{}, false
		}
		b[part] = byte(v)
		part++
	}
	if part != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(b), true
}
