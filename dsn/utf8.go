package dsn

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// addrField renders an address for the Final-Recipient and
// Original-Recipient fields: "rfc822; addr" for an ASCII address; for a
// UTF-8 one (RFC 6531), the "utf-8" address type of RFC 6533 §3 in its
// utf-8-addr-xtext form, the one a message/delivery-status part may carry
// (ASCII only): every character other than a QCHAR written as
// \x{HEXPOINT}, so "jörg@example.org" is "utf-8; j\x{F6}rg@example.org".
// At most max octets.
func addrField(addr string, max int) string {
	if !has8Bit([]byte(addr)) {
		return "rfc822; " + clean(addr, max)
	}
	var b strings.Builder
	for s := addr; s != "" && b.Len() < max; {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteByte('?') // not UTF-8: nothing to name
		case r >= 0x21 && r <= 0x7e && r != '+' && r != '=' && r != '\\': // QCHAR
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, `\x{%X}`, r) // EmbeddedUnicodeChar
		}
	}
	return "utf-8; " + b.String()
}
