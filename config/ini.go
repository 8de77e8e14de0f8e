package config

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// Reading mailq.ini takes two steps. prepareINI reads the file line by line
// and decides where each value ends; gopkg.in/ini.v1 then parses the cleaned
// lines (sections, case-insensitive keys, quotes). The first step exists
// because the library, even with the options below, misreads lines that
// MailQ's own manual writes (ini_test.go shows each case):
//   - "Bind=*<TAB>; comment" keeps the comment: only " ;" starts one;
//   - `UserPath=".\users" ; (Default=.\users")` reads up to the last quote
//     on the line, inside the comment;
//   - "a ;b #c" cuts at " #" even though " ;" comes first;
//   - an opening quote never closed silently swallows the following lines;
//   - `"x" trailing` drops the trailing text without a word;
//   - "[Domains] ; see [Config]" names the section up to the last ']'.
// After prepareINI, every value line holds the value alone, so the library's
// own comment handling never fires, and its quote handling sees exactly one
// pair of quotes.

// iniOptions are the library options. Keys and sections are
// case-insensitive like the Windows profile functions MailQ used; only '='
// separates a key from its value (':' occurs in values: host:port, C:\);
// a value ending in '\' (".\queue\") is not joined to the next line; a
// double-quoted value loses its quotes and "\"" inside it becomes '"';
// ';' and '#' inside a value are kept (prepareINI has removed comments).
var iniOptions = ini.LoadOptions{
	Insensitive:               true,
	KeyValueDelimiters:        "=",
	IgnoreContinuation:        true,
	UnescapeValueDoubleQuotes: true,
	SpaceBeforeInlineComment:  true,
}

// maxINISize bounds the file read: a configuration with thousands of
// accounts is far smaller.
const maxINISize = 16 << 20

// SyntaxError is a line of the INI file that is neither a section header, a
// key=value line, a comment nor blank, or a value whose quotes do not pair.
type SyntaxError struct {
	File string
	Line int
	Text string // the line as written
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Msg, e.Text)
}

// iniKey is a key line as read by prepareINI, spelled as written.
type iniKey struct {
	line    int
	section string // "" before the first section header
	key     string
}

// prepared is what prepareINI learned about the file.
type prepared struct {
	canon    []byte            // the cleaned lines the library parses
	keys     []iniKey          // every key line, in file order
	spelling map[string]string // lower-case section or section\x00key -> as first written
	repeats  [][2]iniKey       // a key set again in its section: {first, again}
}

func spellingKey(section, key string) string {
	return strings.ToLower(section) + "\x00" + strings.ToLower(key)
}

// prepareINI checks the structure of data and returns it with comments and
// blank lines removed, section headers reduced to "[name]" and each value
// cut where it ends. Keys before the first section are reported in keys with
// section "" and left out of canon.
func prepareINI(data []byte) (*prepared, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, &SyntaxError{Line: 1, Text: "(UTF-16 byte order mark)", Msg: "the file is UTF-16; save it as UTF-8 or ANSI"}
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	p := &prepared{spelling: map[string]string{}}
	first := map[string]iniKey{}
	var out bytes.Buffer
	section := ""
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		s := strings.Trim(text, " \t\r")
		if s == "" || s[0] == ';' || s[0] == '#' {
			continue
		}
		if s[0] == '[' {
			name, err := sectionName(s)
			if err != nil {
				return nil, &SyntaxError{Line: n, Text: s, Msg: err.Error()}
			}
			section = name
			if _, ok := p.spelling[strings.ToLower(name)]; !ok {
				p.spelling[strings.ToLower(name)] = name
			}
			fmt.Fprintf(&out, "[%s]\n", name)
			continue
		}
		key, raw, err := splitKeyLine(s)
		if err != nil {
			return nil, &SyntaxError{Line: n, Text: s, Msg: err.Error()}
		}
		k := iniKey{line: n, section: section, key: key}
		p.keys = append(p.keys, k)
		sk := spellingKey(section, key)
		if prev, ok := first[sk]; ok {
			p.repeats = append(p.repeats, [2]iniKey{prev, k})
		} else {
			first[sk] = k
			p.spelling[sk] = key
		}
		if section != "" {
			fmt.Fprintf(&out, "%s=%s\n", key, raw)
		}
	}
	p.canon = out.Bytes()
	return p, nil
}

// sectionName reads "[name]", optionally followed by a comment.
func sectionName(s string) (string, error) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return "", fmt.Errorf("a section header needs a closing ]")
	}
	name := strings.TrimSpace(s[1:end])
	if name == "" || strings.ContainsRune(name, '[') {
		return "", fmt.Errorf("expected a section name between [ and ]")
	}
	if rest := strings.TrimLeft(s[end+1:], " \t"); rest != "" && rest[0] != ';' && rest[0] != '#' {
		return "", fmt.Errorf("unexpected text after the section header")
	}
	return name, nil
}

// splitKeyLine splits "key = value ; comment" into the key and the value
// text without its comment (quotes kept for the library to remove).
func splitKeyLine(s string) (key, raw string, err error) {
	eq := strings.IndexByte(s, '=')
	if eq < 0 {
		return "", "", fmt.Errorf("expected key=value, a [section] or a ; comment")
	}
	key = strings.TrimRight(s[:eq], " \t")
	switch {
	case key == "":
		return "", "", fmt.Errorf("missing key name before =")
	case key[0] == '"' || key[0] == '`' || key == "-":
		return "", "", fmt.Errorf("a key name cannot start with a quote or be a lone -")
	}
	raw, err = valueText(s[eq+1:])
	return key, raw, err
}

// valueText returns the value part of a line without its comment.
//
// A double-quoted value ends at the first quote that is followed only by
// blanks or a comment, so `".\queue\"` is .\queue\ and a quote inside the
// comment does not count. An unquoted value ends where a ';' or '#' follows
// a blank (or starts the value): "Banner=ready; set" keeps its ';'.
func valueText(s string) (string, error) {
	v := strings.TrimLeft(s, " \t")
	if v == "" || v[0] == ';' || v[0] == '#' {
		return "", nil
	}
	switch {
	case strings.HasPrefix(v, `"""`):
		return "", fmt.Errorf("a value cannot start with three quotes")
	case v[0] == '`':
		return "", fmt.Errorf("a value cannot start with a backtick; put it in double quotes")
	case v[0] == '"':
		for j := 1; j < len(v); j++ {
			if v[j] != '"' {
				continue
			}
			if after := strings.TrimLeft(v[j+1:], " \t"); after == "" || after[0] == ';' || after[0] == '#' {
				return v[:j+1], nil
			}
		}
		if strings.Count(v, `"`) == 1 {
			return "", fmt.Errorf("the opening quote is never closed")
		}
		return "", fmt.Errorf("unexpected text after the closing quote")
	}
	for j := 1; j < len(v); j++ {
		if (v[j] == ';' || v[j] == '#') && (v[j-1] == ' ' || v[j-1] == '\t') {
			v = v[:j]
			break
		}
	}
	return strings.TrimRight(v, " \t"), nil
}

// parseINI prepares data and parses it with the library.
func parseINI(data []byte) (*ini.File, *prepared, error) {
	if len(data) > maxINISize {
		return nil, nil, &SyntaxError{Line: 1, Text: fmt.Sprintf("(%d bytes)", len(data)), Msg: "the file is too large"}
	}
	p, err := prepareINI(data)
	if err != nil {
		return nil, nil, err
	}
	f, err := ini.LoadSources(iniOptions, p.canon)
	if err != nil {
		// prepareINI passes only lines the library reads; this is a bug.
		return nil, nil, fmt.Errorf("config: parsing the cleaned file: %w", err)
	}
	return f, p, nil
}
