package address

import (
	"errors"
	"fmt"
	"strings"
)

// ErrAccount is matched by every error of ParseAccount and ParseMailboxName.
var ErrAccount = errors.New("address: not an account address")

// AccountError says why an address was refused; it matches ErrAccount.
type AccountError struct {
	Why string // a plain sentence fragment, for the user
}

func (e *AccountError) Error() string { return ErrAccount.Error() + ": " + e.Why }

func (e *AccountError) Is(target error) bool { return target == ErrAccount }

// ParseAccount is the one parser of account addresses: what /ADDUSER and the
// other account commands, [Users], WebAdmins and [Scripts] accept as a
// mailbox of this server. It is ParseMailboxName plus the rule of mailq.ini's
// [Users], where the address is a key: no '=', and no '#' or '`' first.
func ParseAccount(s string) (string, error) {
	addr, err := ParseMailboxName(s)
	if err != nil {
		return "", err
	}
	if strings.ContainsRune(addr, '=') || addr[0] == '#' || addr[0] == '`' {
		return "", &AccountError{Why: "'=' anywhere, or '#' or '`' first, cannot be stored in mailq.ini"}
	}
	return addr, nil
}

// ParseMailboxName reads an address that names a mailbox folder, such as
// the addresses of [EmailAlias], and returns it in lower case (mailboxes are
// named by it). It is an RFC 5321 §4.1.2 Mailbox whose local part is a
// Dot-string (a quoted local part cannot name a folder) and whose domain is
// a host name or an IPv4 address literal; a bare IPv4 address is written as
// a literal ("a@127.0.0.1" gives "a@[127.0.0.1]"), and a trailing dot is
// dropped ("a@example.com." gives "a@example.com"). It must also be a safe
// folder name (SafeName). A UTF-8 address (RFC 6531) is taken in its
// SMTPUTF8 form: local part in NFC, domain as its A-label. Errors are
// *AccountError.
func ParseMailboxName(s string) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		return "", &AccountError{Why: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return bad("it is empty")
	}
	if !isASCII(s) {
		// RFC 6531: the form the SMTP server gives the address under
		// SMTPUTF8 (utf8.go), so "jörg@bücher.example" and
		// "jörg@xn--bcher-kva.example" are one mailbox.
		m, err := parseMailbox(s, true)
		if err != nil {
			return bad("it is not a valid internationalised address (RFC 6531)")
		}
		s = m.String()
	}
	if len(s) > maxPath-2 { // RFC 5321 §4.5.3.1.3
		return bad("longer than %d characters", maxPath-2)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return bad("it needs the form name@domain")
	}
	local, domain := s[:at], s[at+1:]
	if why := accountLocal(local); why != "" {
		return bad("%s", why)
	}
	domain, why := accountDomain(domain)
	if why != "" {
		return bad("%s", why)
	}
	name, err := SafeName(local + "@" + domain)
	if err != nil {
		return bad("it cannot name a mailbox folder on every system (no /, \\, *, ? or similar)")
	}
	return name, nil
}

// accountLocal checks an RFC 5321 §4.1.2 Dot-string of at most 64 octets
// (§4.5.3.1.1); it returns why not, or "".
func accountLocal(s string) string {
	if s == "" || len(s) > maxLocal {
		return fmt.Sprintf("the part before '@' must have 1 to %d characters", maxLocal)
	}
	for atom := range strings.SplitSeq(s, ".") {
		if atom == "" {
			return "dots may not start, end or double in the part before '@'"
		}
		for i := 0; i < len(atom); i++ {
			// Bytes beyond ASCII come only from an address that
			// parseMailbox has checked and put in NFC.
			if !isAtext(atom[i]) && atom[i] < 0x80 {
				return fmt.Sprintf("%q is not allowed before '@'", atom[i])
			}
		}
	}
	return ""
}

// accountDomain checks a host name or an IPv4 address literal (RFC 5321
// §4.1.2, §4.1.3) and returns it in its stored form, or why not.
func accountDomain(s string) (string, string) {
	if s == "" || len(s) > maxDomain { // RFC 5321 §4.5.3.1.2
		return "", fmt.Sprintf("the domain must have 1 to %d characters", maxDomain)
	}
	if ip, ok := parseIPv4(s); ok {
		return "[" + ip.String() + "]", ""
	}
	// A trailing dot (the root) names the same domain: "example.com.".
	s = strings.TrimSuffix(s, ".")
	if inner, ok := strings.CutPrefix(s, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if ip, okIP := parseIPv4(inner); ok && okIP {
			return "[" + ip.String() + "]", ""
		}
		return "", "an address literal must be an IPv4 address in brackets"
	}
	if !isDomainName(s) {
		return "", "the domain must be a name such as example.com: letters, digits, hyphens and dots"
	}
	return s, ""
}
