package queue

import "strings"

const hexDigits = "0123456789ABCDEF"

// mustEscape reports the bytes a value in an .auth file carries as %XX:
// controls, space (the separator), DEL, every byte outside ASCII, '%' itself,
// and the angle brackets (so a bracketed token always means a path). Values
// come from clients (HELO names, quoted local parts, reply texts), and this
// keeps each of them one token on one line whatever they contain.
func mustEscape(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '%' || c == '<' || c == '>'
}

// escape percent-encodes s for an .auth value (doc.go, "Values").
func escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescape decodes %XX (either case). Other bytes stand for themselves; the
// line parser has already refused controls.
func unescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", strErr("truncated %XX escape")
		}
		hi, lo := unhex(s[i+1]), unhex(s[i+2])
		if hi < 0 || lo < 0 {
			return "", strErr("bad %XX escape")
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	return b.String(), nil
}

// unescapePath decodes an address. A token in angle brackets, as people
// write paths by hand, loses them: "<>" is the null path.
func unescapePath(s string) (string, error) {
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	return unescape(s)
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
