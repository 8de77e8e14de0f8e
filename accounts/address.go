package accounts

import (
	"fmt"
	"net/netip"
	"strings"

	"mailq/address"
)

// RFC 5321 §4.5.3.1.1-3 size limits.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxMailbox   = 254 // a path is at most 256 octets including "<" and ">"
)

// canonical checks that addr can be an account and returns it in lower case.
// An account is an RFC 5321 Mailbox whose local part is a Dot-string (quoted
// local parts are refused: they cannot name a folder) and whose domain is a
// host name or an IPv4 address literal. It must also be a safe folder name
// (address.SafeName) and an INI key: no '=', and no leading '#' or '`'.
func canonical(addr string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q: %s", ErrAddress, addr, why)
	}
	if addr == "" {
		return bad("it is empty")
	}
	if utf, ok := internationalised(addr); ok {
		addr = utf
	} else if utf == "" {
		return bad("it is not a valid internationalised address (RFC 6531)")
	}
	if len(addr) > maxMailbox {
		return bad(fmt.Sprintf("longer than %d characters", maxMailbox))
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return bad("it needs the form name@domain")
	}
	if why := checkLocal(addr[:at]); why != "" {
		return bad(why)
	}
	if why := checkDomain(addr[at+1:]); why != "" {
		return bad(why)
	}
	if strings.ContainsRune(addr, '=') || addr[0] == '#' || addr[0] == '`' {
		return bad("'=' anywhere, or '#' or '`' first, cannot be stored in mailq.ini")
	}
	name, err := address.SafeName(addr)
	if err != nil {
		return bad("it cannot name a mailbox folder on every system")
	}
	return name, nil
}

// checkLocal checks an RFC 5321 §4.1.2 Dot-string; it returns why not, or "".
func checkLocal(s string) string {
	if s == "" || len(s) > maxLocalPart {
		return fmt.Sprintf("the part before '@' must have 1 to %d characters", maxLocalPart)
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return "dots may not start, end or double in the part before '@'"
		}
		for i := 0; i < len(atom); i++ {
			// Bytes beyond ASCII come only from an address that
			// internationalised has checked and put in NFC.
			if !isAtext(atom[i]) && atom[i] < 0x80 {
				return fmt.Sprintf("%q is not allowed before '@'", atom[i])
			}
		}
	}
	return ""
}

// isAtext reports an RFC 5322 §3.2.3 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// checkDomain checks an RFC 5321 §4.1.2 Domain or an IPv4 address literal
// (§4.1.3); it returns why not, or "".
func checkDomain(s string) string {
	if s == "" || len(s) > maxDomain {
		return fmt.Sprintf("the domain must have 1 to %d characters", maxDomain)
	}
	if strings.HasPrefix(s, "[") {
		ip, err := netip.ParseAddr(strings.TrimSuffix(s[1:], "]"))
		if !strings.HasSuffix(s, "]") || err != nil || !ip.Is4() {
			return "an address literal must be an IPv4 address in brackets"
		}
		return ""
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return "each part of the domain must have 1 to 63 characters"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "a domain part may not start or end with '-'"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return fmt.Sprintf("%q is not allowed in a domain", c)
			}
		}
	}
	return ""
}

// internationalised returns a UTF-8 address (RFC 6531) in the one form
// the SMTP server gives it: the local part in NFC, the domain as its
// A-label, so that "jörg@bücher.example" and "jörg@xn--bcher-kva.example"
// are one account. ok is false for an ASCII address (returned as it is)
// and for a UTF-8 one that is not valid ("").
func internationalised(addr string) (string, bool) {
	ascii := true
	for i := 0; i < len(addr); i++ {
		ascii = ascii && addr[i] < 0x80
	}
	if ascii {
		return addr, false
	}
	a, err := address.ParseRcptArgUTF8("<" + addr + ">")
	if err != nil || a.Path.Postmaster || a.Bare {
		return "", false
	}
	return a.Path.Mailbox.String(), true
}
