package mxa

import (
	"bufio"
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// Internationalised mail on the way out (RFC 6531). A set received with
// SMTPUTF8 (queue.Envelope.SMTPUTF8) goes out with MAIL's SMTPUTF8
// parameter to a next hop that offers the extension. To one that does not,
// the message may still go as it is when nothing in it needs the extension:
// every address of the transaction has an ASCII local part (the domains
// travel as A-labels, which the queue stores anyway) and the header is
// ASCII. A header with UTF-8 fields (RFC 6532) must not reach a server
// without SMTPUTF8 (RFC 6531 §3.2), and mailq does not rewrite headers, so
// such a message fails there like a UTF-8 address does: permanently, with
// status 5.6.7 (RFC 6531 §3.5, RFC 6533 §3), and the sender gets the
// failure notice. A permanent failure because one next hop lacks a feature
// may look harsh, but another attempt at the same server would fare no
// better.

// utf8MailParam returns MAIL's SMTPUTF8 parameter for m over a session
// whose EHLO keywords are ext: " SMTPUTF8" when m needs it and the server
// offers it (RFC 6531 §3.4), else "" (send8 keeps the others from here).
func utf8MailParam(m *message, ext map[string]string) string {
	if _, ok := ext["SMTPUTF8"]; ok && m.utf8 {
		return " SMTPUTF8"
	}
	return ""
}

// send8 is transact for a set that may need SMTPUTF8: to a server without
// it, the recipients the message cannot reach get a 5.6.7 reply at once and
// the others are sent downgraded (ASCII addresses, domains as A-labels, no
// SMTPUTF8 parameter). The replies are in the order of rcpts.
func (s *session) send8(m *message, rcpts []string) (replies []*Reply, afterDot bool) {
	if _, ok := s.ext["SMTPUTF8"]; ok || !m.utf8 {
		return s.transact(m, rcpts)
	}
	refuse := func(format string, args ...any) *Reply {
		// RFC 6531 §3.5: 553 5.6.7, non-ASCII addresses not permitted.
		return &Reply{Code: 553, Enh: "5.6.7", Lines: []string{
			s.name + " does not offer SMTPUTF8 (RFC 6531) and " + fmt.Sprintf(format, args...)}}
	}
	replies = make([]*Reply, len(rcpts))
	from, ok := asciiAddr(m.from)
	var all *Reply
	switch {
	case !ok:
		all = refuse("the sender <%s> has a UTF-8 local part", m.from)
	case !m.asciiHeader():
		all = refuse("the message header holds UTF-8 (RFC 6532), which only SMTPUTF8 may carry (RFC 6531 §3.2)")
	}
	var sub []string
	var at []int
	for i, r := range rcpts {
		a, ok := asciiAddr(r)
		switch {
		case all != nil:
			replies[i] = all
		case !ok:
			replies[i] = refuse("the recipient has a UTF-8 local part")
		default:
			sub, at = append(sub, a), append(at, i)
		}
	}
	if len(sub) == 0 {
		return replies, false
	}
	down := *m
	down.from, down.utf8 = from, false
	got, afterDot := s.transact(&down, sub)
	for n, i := range at {
		replies[i] = got[n]
	}
	return replies, afterDot
}

// asciiAddr returns addr with its domain as an A-label (IDNA 2008), and
// whether it can travel without SMTPUTF8: its local part is ASCII. The
// null sender "" can.
func asciiAddr(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, isASCII(addr)
	}
	local, domain := addr[:at], addr[at+1:]
	if !isASCII(local) {
		return addr, false
	}
	if isASCII(domain) {
		return addr, true
	}
	// The queue stores A-labels; a set dropped in by hand may not.
	a, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return addr, false
	}
	return local + "@" + a, true
}

// asciiHeader reports whether m's header (up to the first empty line) is
// ASCII. It reads the message once and keeps the answer; a message that
// cannot be read counts as ASCII, as transact then fails it temporarily.
func (m *message) asciiHeader() bool {
	if m.header8 != nil {
		return !*m.header8
	}
	h8 := false
	if f, err := m.open(); err == nil {
		br := bufio.NewReader(f)
		cont := false // the line goes on from the last slice
		for {
			line, err := br.ReadSlice('\n')
			if !isASCII(string(line)) {
				h8 = true
			}
			blank := err == nil && !cont && strings.TrimRight(string(line), "\r\n") == ""
			cont = err == bufio.ErrBufferFull
			if h8 || blank || err != nil && err != bufio.ErrBufferFull {
				break
			}
		}
		f.Close()
	}
	m.header8 = &h8
	return !h8
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
