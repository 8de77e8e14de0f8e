package logs

import (
	"strings"
	"unicode/utf8"
)

// Escape returns s with everything that could change how a log line looks or
// is read written as a visible escape, so that text from clients (a HELO
// name, an AUTH user, an address, a reply) can neither colour or move the
// terminal's cursor, nor start a new line that grep or tail would take for a
// row of its own. Console lines and CSV cells both go through it.
//
//   - C0 controls, DEL and bytes that are not UTF-8 become \xHH (so a raw CR,
//     LF, ESC or BEL is never written);
//   - C1 controls (U+0080-U+009F), the line and paragraph separators and the
//     bidirectional formatting characters become \uHHHH: terminals act on the
//     first, editors break lines at the second, and the last make a line
//     display in another order than it reads;
//   - a backslash that an escape could be confused with (one followed by
//     another backslash, "x", "u" or an escaped character) is doubled, and
//     every other character stands for itself, so a Windows path stays
//     readable.
//
// The escaping is reversible (see unescape in the tests): two different
// strings never give the same text in the log.
func Escape(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeHex(&b, `\x`, uint32(s[i]), 2) // not UTF-8
		case r < 0x20 || r == 0x7f:
			writeHex(&b, `\x`, uint32(r), 2)
		case special(r):
			writeHex(&b, `\u`, uint32(r), 4)
		case r == '\\' && backslashAmbiguous(s[i+n:]):
			b.WriteString(`\\`)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// clean reports whether Escape leaves s as it is: printable ASCII without a
// backslash, the common case, checked without allocating.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}

// special reports the characters other than C0 and DEL that Escape writes
// as \uHHHH.
func special(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f, // bidi marks
		r >= 0x202a && r <= 0x202e, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	}
	return false
}

// backslashAmbiguous reports whether a backslash followed by rest must be
// doubled: when what follows it in the output would make it read as the
// start of an escape.
func backslashAmbiguous(rest string) bool {
	if rest == "" {
		return false
	}
	switch rest[0] {
	case '\\', 'x', 'u':
		return true
	}
	r, n := utf8.DecodeRuneInString(rest)
	return (r == utf8.RuneError && n == 1) || r < 0x20 || r == 0x7f || special(r)
}

func writeHex(b *strings.Builder, prefix string, v uint32, digits int) {
	const hex = "0123456789abcdef"
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hex[(v>>shift)&15])
	}
}

// formulaStart holds the characters that make a spreadsheet read a cell as
// a formula (OWASP, "CSV Injection"): = + - @ and a leading tab or CR. The
// apostrophe is there too, so that a cell that really starts with one keeps
// it after the one cell() strips: the mapping stays reversible.
const formulaStart = "=+-@\t\r'"

// cell returns s as a CSV cell: escaped, and prefixed with an apostrophe
// when it would start like a formula, which spreadsheets then show as text.
// A program reading the log drops one leading apostrophe.
func cell(s string) string {
	s = Escape(s)
	if s != "" && strings.IndexByte(formulaStart, s[0]) >= 0 {
		return "'" + s
	}
	return s
}
