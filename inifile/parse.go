package inifile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalid is wrapped by Edit's errors for a section name, key or value
// that cannot be written so that it reads back unchanged.
var ErrInvalid = errors.New("inifile: cannot be written to an INI file")

// Entry is one key=value line of a section.
type Entry struct {
	Key   string
	Value string

	// line is 1 + the index of the line the entry was read from, 0 for an
	// entry the caller made. origKey and origValue are what that line said:
	// an entry whose Key and Value still equal them keeps its exact bytes.
	line               int
	origKey, origValue string
}

type kind uint8

const (
	kindOther   kind = iota // neither comment nor entry (no delimiter): kept as is
	kindBlank               // only white space
	kindComment             // starts with ';' or '#'
	kindHeader              // [name]
	kindEntry               // key=value or key: value
)

// line is one line of the file as read.
type line struct {
	raw   []byte // exact bytes, line end included
	eol   string // "\r\n", "\n", or "" for a last line without one
	kind  kind
	name  string // kindHeader: section name
	key   string // kindEntry
	value string // kindEntry, decoded
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// split cuts data into lines at '\n' and classifies them. Concatenating the
// raw fields gives data back.
func split(data []byte) []line {
	var lines []line
	for len(data) > 0 {
		n := len(data)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			n = i + 1
		}
		lines = append(lines, classify(data[:n], len(lines) == 0))
		data = data[n:]
	}
	return lines
}

func classify(raw []byte, first bool) line {
	ln := line{raw: raw}
	switch {
	case bytes.HasSuffix(raw, []byte("\r\n")):
		ln.eol = "\r\n"
	case bytes.HasSuffix(raw, []byte("\n")):
		ln.eol = "\n"
	}
	body := raw[:len(raw)-len(ln.eol)]
	if first {
		body = bytes.TrimPrefix(body, bom)
	}
	s := strings.TrimLeftFunc(string(body), unicode.IsSpace)
	switch {
	case strings.TrimSpace(s) == "":
		ln.kind = kindBlank
	case s[0] == ';' || s[0] == '#':
		ln.kind = kindComment
	case s[0] == '[':
		if end := strings.LastIndexByte(s, ']'); end > 0 {
			ln.kind, ln.name = kindHeader, strings.TrimSpace(s[1:end])
		}
	default:
		if i := strings.IndexAny(s, "=:"); i > 0 {
			if key := strings.TrimSpace(s[:i]); key != "" {
				ln.kind, ln.key, ln.value = kindEntry, key, decodeValue(s[i+1:])
			}
		}
	}
	return ln
}

// openQuote returns the quote that starts a quoted value (ini.v1 reads
// `"""` and backticks verbatim up to the last matching quote), or "".
func openQuote(s string) string {
	switch {
	case strings.HasPrefix(s, `"""`):
		return `"""`
	case strings.HasPrefix(s, "`"):
		return "`"
	}
	return ""
}

// decodeValue turns the text after the delimiter into the value.
func decodeValue(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if q := openQuote(s); q != "" {
		if end := strings.LastIndex(s[len(q):], q); end >= 0 {
			return s[len(q) : len(q)+end]
		}
	}
	s = strings.TrimSpace(s)
	if i := commentStart(s); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if surrounded(s, '"') || surrounded(s, '\'') {
		s = s[1 : len(s)-1]
	}
	return s
}

// commentStart is the index of the white space before the first inline
// comment mark, or -1. Without the space, ';' and '#' belong to the value.
func commentStart(s string) int {
	for i := 1; i < len(s); i++ {
		if (s[i] == ';' || s[i] == '#') && (s[i-1] == ' ' || s[i-1] == '\t') {
			return i - 1
		}
	}
	return -1
}

// surrounded reports whether s is q, text without q, q.
func surrounded(s string, q byte) bool {
	return len(s) >= 2 && s[0] == q && s[len(s)-1] == q &&
		strings.IndexByte(s[1:], q) == len(s)-2
}

// encodeValue returns the text that decodeValue reads back as v, as plain as
// possible. A value that would read differently, start a quoted or
// continued value in ini.v1, is put in backticks.
func encodeValue(v string) (string, error) {
	if strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("%w: value %q holds a line break", ErrInvalid, v)
	}
	if decodeValue(v) == v && openQuote(v) == "" && !strings.HasSuffix(v, `\`) {
		return v, nil
	}
	if q := "`" + v + "`"; !strings.Contains(v, "`") && decodeValue(q) == v {
		return q, nil
	}
	return "", fmt.Errorf("%w: value %q needs quoting but holds a backtick", ErrInvalid, v)
}

// checkKey refuses keys that would not read back as themselves, or would
// read as a comment, a section header or a quoted key.
func checkKey(k string) error {
	switch {
	case k == "" || k != strings.TrimSpace(k):
		return fmt.Errorf("%w: key %q is empty or has surrounding spaces", ErrInvalid, k)
	case strings.ContainsAny(k, "=:\r\n"):
		return fmt.Errorf("%w: key %q holds '=', ':' or a line break", ErrInvalid, k)
	case strings.ContainsAny(k[:1], "[;#\"`"):
		return fmt.Errorf("%w: key %q starts with %q", ErrInvalid, k, k[:1])
	}
	return nil
}

// checkSection refuses section names that cannot be written as a header.
func checkSection(name string) error {
	if name == "" || name != strings.TrimSpace(name) || strings.ContainsAny(name, "[]\r\n") {
		return fmt.Errorf("%w: section name %q", ErrInvalid, name)
	}
	return nil
}

// Parse returns the entries of every section named section (case-insensitive)
// in data, in file order. A section that occurs twice contributes the entries
// of both, as ini.v1 merges them; where keys repeat, ini.v1 keeps the last.
func Parse(data []byte, section string) []Entry {
	return collect(split(data), section)
}

func collect(lines []line, section string) []Entry {
	var out []Entry
	in := false
	for i, ln := range lines {
		switch {
		case ln.kind == kindHeader:
			in = strings.EqualFold(ln.name, section)
		case in && ln.kind == kindEntry:
			out = append(out, Entry{Key: ln.key, Value: ln.value,
				line: i + 1, origKey: ln.key, origValue: ln.value})
		}
	}
	return out
}
