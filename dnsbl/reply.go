package dnsbl

import "strings"

// maxReason bounds the TXT reason quoted in a reply, so that the whole line
// stays far below the 512 octets of RFC 5321 §4.5.3.1.5.
const maxReason = 200

// Reply status of a refusal: RFC 5321 §4.2.3 (554 at the greeting) with the
// enhanced code "delivery not authorized" (RFC 3463 §3.8).
const (
	ReplyCode     = 554
	ReplyEnhanced = "5.7.1"
)

// Text is the text of the refusal of a listed client, without code: it names
// the address, the list and the list's reason. It is one printable ASCII line.
func (r Result) Text() string {
	s := "Client address [" + r.IP.String() + "] blocked using " + r.Zone
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// Reply is the whole reply line for a listed client, without CRLF:
// "554 5.7.1 Client address [192.0.2.1] blocked using zone: reason". Servers
// with their own reply type use ReplyCode, ReplyEnhanced and Text.
func (r Result) Reply() string {
	return "554 " + ReplyEnhanced + " " + r.Text()
}

// sanitize makes s one line of printable ASCII of at most n bytes: control
// characters become spaces, other characters '?', runs of spaces shrink to one,
// and an overlong text is cut with "...". A DNS TXT record may hold any
// bytes, and a CR or LF in a reply would end it early.
func sanitize(s string, n int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r <= ' ' || r == 0x7f:
			space = b.Len() > 0
			continue
		case r >= 0x80: // including invalid UTF-8
			r = '?'
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) > n {
		out = strings.TrimRight(out[:n-3], " ") + "..."
	}
	return out
}
