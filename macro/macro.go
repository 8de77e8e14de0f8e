package macro

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Context holds the values macros expand to.
type Context struct {
	Now      time.Time // in the server's local zone
	ClientIP string    // the peer's address, for $client_ip
	ExeName  string    // the binary's name ("mailq", "mailq.exe"), for $exename
	Version  string    // for $ver
	HostName string    // for $hostname and $server_name
	POPID    string    // the APOP timestamp ("<4260.EEE17315E4133505@example.com>"), for $pop_id
	// Getenv looks up $env.NAME^; nil means no environment.
	Getenv func(string) string
}

// definition is one macro: its name after the '$', in lower case, and its
// value.
type definition struct {
	name  string
	value func(*Context) string
}

// definitions are tried longest name first, so "$mmmm" is never read as
// "$mm" followed by "mm".
var definitions = longestFirst([]definition{
	{"fulldate", func(c *Context) string { return fullDate(c.Now) }},
	{"time", layout("15:04")},
	{"yyyy", layout("2006")},
	{"yy", layout("06")},
	{"mmmm", layout("January")},
	{"mmm", layout("Jan")},
	{"mm", layout("01")},
	{"dddd", layout("Monday")},
	{"ddd", layout("Mon")},
	{"dd", layout("02")},
	{"hh", layout("15")},
	{"ii", layout("04")},
	{"ss", layout("05")},
	{"isodate", layout("20060102")},
	{"usdate", layout("01022006")},
	{"ukdate", layout("02012006")},
	{"yearday", func(c *Context) string { return strconv.Itoa(c.Now.YearDay()) }},
	{"o", layout("-07:00")},
	{"r", func(c *Context) string { return dateTime(c.Now, "-07:00") }},
	{"exename", func(c *Context) string { return c.ExeName }},
	{"ver", func(c *Context) string { return c.Version }},
	{"pop_id", func(c *Context) string { return c.POPID }},
	{"client_ip", func(c *Context) string { return c.ClientIP }},
	{"hostname", func(c *Context) string { return c.HostName }},
	{"server_name", func(c *Context) string { return c.HostName }},
})

func longestFirst(defs []definition) []definition {
	slices.SortStableFunc(defs, func(a, b definition) int { return len(b.name) - len(a.name) })
	return defs
}

func layout(l string) func(*Context) string {
	return func(c *Context) string { return c.Now.Format(l) }
}

// Expand replaces the macros in template and returns text that is safe to
// send as one protocol line. Macro names are case-insensitive and match as
// prefixes, longest first, so "$yyyy$mm$dd" works and "$rate" is "$r"
// followed by "ate". A '$' that starts no macro is kept as it is, and so is
// "$env." without its closing '^' or '&'.
//
// Control characters (C0, DEL, C1), U+2028, U+2029 and invalid UTF-8 are
// removed from every macro value and from the result, so an environment
// variable holding CRLF cannot add a reply line.
func Expand(template string, c Context) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(template, '$')
		if i < 0 {
			b.WriteString(template)
			break
		}
		b.WriteString(template[:i])
		value, n, ok := expandOne(template[i+1:], &c)
		if !ok {
			b.WriteByte('$')
			template = template[i+1:]
			continue
		}
		b.WriteString(clean(value))
		template = template[i+1+n:]
	}
	return clean(b.String())
}

// expandOne expands the macro at the start of s, the text after a '$', and
// returns its value and length.
func expandOne(s string, c *Context) (value string, n int, ok bool) {
	if len(s) > 4 && strings.EqualFold(s[:4], "env.") {
		return expandEnv(s[4:], c)
	}
	for _, d := range definitions {
		if len(s) >= len(d.name) && strings.EqualFold(s[:len(d.name)], d.name) {
			return d.value(c), len(d.name), true
		}
	}
	return "", 0, false
}

// expandEnv expands "NAME^" or "NAME&", the text after "$env.". A name not
// set expands to nothing. Windows looks names up in any case; elsewhere the
// name is tried as written and then in upper case, so the manual's
// "$env.computername^" works where COMPUTERNAME is set.
func expandEnv(s string, c *Context) (value string, n int, ok bool) {
	end := strings.IndexAny(s, "^&")
	if end <= 0 {
		return "", 0, false
	}
	name := s[:end]
	for i := 0; i < len(name); i++ {
		if ch := name[i]; ch <= ' ' || ch >= 0x7f || ch == '$' || ch == '=' {
			return "", 0, false
		}
	}
	if c.Getenv != nil {
		value = c.Getenv(name)
		if upper := strings.ToUpper(name); value == "" && upper != name {
			value = c.Getenv(upper)
		}
	}
	return value, 4 + end + 1, true
}

// clean removes what must never reach a protocol line: control characters
// (C0 including CR, LF and TAB, DEL, C1), the Unicode line and paragraph
// separators, and bytes that are not valid UTF-8.
func clean(s string) string {
	if isPrintableASCII(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if !(r == utf8.RuneError && size == 1 || unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
