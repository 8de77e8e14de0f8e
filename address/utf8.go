package address

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// Internationalised addresses (RFC 6531). A session that gave SMTPUTF8 with
// MAIL parses its paths with ParseMailArgUTF8 and ParseRcptArgUTF8, which
// accept UTF-8 in local parts and domains. They return one form of each
// address, so that lookups and comparisons need nothing more:
//   - the local part in Unicode NFC (RFC 6531 §3.3 leaves the comparison
//     of local parts to the receiving host; mailq compares them
//     normalised and, as for ASCII, without case: Key);
//   - the domain as its A-label (IDNA 2008 through golang.org/x/net/idna):
//     a U-label domain and its A-label are the same domain for routing,
//     the local-domain check and the mailbox folder.

// ParseMailArgUTF8 is ParseMailArg for a transaction under SMTPUTF8.
func ParseMailArgUTF8(s string) (Arg, error) { return parseMailArg(s, true) }

// ParseRcptArgUTF8 is ParseRcptArg for a transaction under SMTPUTF8.
func ParseRcptArgUTF8(s string) (Arg, error) { return parseRcptArg(s, true) }

// ParseMailboxUTF8 is ParseMailbox for an address received under
// SMTPUTF8: UTF-8 allowed in the local part and the domain, no control
// character; the result is in the one form (NFC, A-label).
func ParseMailboxUTF8(s string) (Mailbox, error) { return parseMailbox(s, true) }

// ParsePathUTF8 is ParsePath for a transaction under SMTPUTF8, such as
// the paths of a set received with it that the MXA sends on.
func ParsePathUTF8(s string) (Path, error) { return parsePath(s, true) }

// NeedsUTF8 reports whether the mailbox can only travel under SMTPUTF8: its
// local part is not ASCII. (Its domain, always the A-label, can.)
func (m Mailbox) NeedsUTF8() bool { return !isASCII(m.Local) }

// checkUTF8 is checkBytes under SMTPUTF8: well-formed UTF-8 with no control
// character, C0 or C1 (RFC 6531 §3.3 allows UTF8-non-ascii, not controls).
func checkUTF8(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: malformed UTF-8", ErrSyntax)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: control character %U", ErrSyntax, r)
		}
	}
	return nil
}

// toUTF8Form returns the local part in NFC and the domain as its A-label;
// an address literal or an ASCII domain is left as it is.
func toUTF8Form(local, domain string) (string, string, error) {
	local = norm.NFC.String(local)
	if len(local) > maxLocal { // RFC 5321 §4.5.3.1.1, in octets (RFC 6531 §3.3)
		return "", "", fmt.Errorf("%w: local part of %d octets", ErrTooLong, len(local))
	}
	if isASCII(domain) {
		return local, domain, nil
	}
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", "", fmt.Errorf("%w: domain is not a valid IDNA name", ErrSyntax)
	}
	return local, a, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// safeRune reports whether a non-ASCII code point may appear in a folder
// name: letters, marks and digits only. That leaves out everything a file
// system or a reader could take for something else: spaces of every kind,
// format characters (bidirectional overrides, zero-width joiners), look-alikes
// of path punctuation (U+2215 DIVISION SLASH, U+FF0F FULLWIDTH SOLIDUS,
// U+2024 ONE DOT LEADER, U+FF1A FULLWIDTH COLON), symbols, private use and
// unassigned code points.
func safeRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N)
}

// foldName lower-cases a name and puts it in NFC, the one spelling of a
// mailbox folder.
func foldName(addr string) string {
	return norm.NFC.String(strings.ToLower(addr))
}
