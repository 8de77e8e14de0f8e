package pop3

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, line string
		verb, arg  string
		err        error
	}{
		{"verb alone", "STAT", "STAT", "", nil},
		{"lower case", "stat", "STAT", "", nil},
		{"mixed case", "Retr 1", "RETR", "1", nil},
		{"two arguments", "TOP 1 10", "TOP", "1 10", nil},
		{"password with spaces", "PASS my secret  pass ", "PASS", "my secret  pass ", nil},
		{"empty password", "PASS ", "PASS", "", nil},
		{"utf-8 argument", "PASS pässwört", "PASS", "pässwört", nil},
		{"motd with number", "MOTD3", "MOTD", "3", nil},
		{"utf8", "utf8", "UTF8", "", nil},
		{"utf8 with argument", "UTF8 x", "UTF8", "x", nil},
		{"utf8 with more digits", "UTF88", "", "", errBadLine},
		{"motd lower case", "motd12", "MOTD", "12", nil},
		{"motd spaced", "MOTD 3", "MOTD", "3", nil},
		{"http get", "GET / HTTP/1.1", "GET", "/ HTTP/1.1", nil},
		{"unknown verb", "XYZZY", "XYZZY", "", nil},
		{"empty", "", "", "", errEmpty},
		{"leading space", " STAT", "", "", errBadLine},
		{"digits", "123", "", "", errBadLine},
		{"digit in verb", "ST4T", "", "", errBadLine},
		{"motd with letters", "MOTDx", "MOTDX", "", nil},
		{"motd digits then arg", "MOTD3 4", "", "", errBadLine},
		{"other verb with digits", "LIST1", "", "", errBadLine},
		{"nul", "USER a\x00b", "", "", errBadLine},
		{"bare cr", "USER a\rb", "", "", errBadLine},
		{"tab", "USER\ta", "", "", errBadLine},
		{"del", "PASS a\x7f", "", "", errBadLine},
		{"verb too long", strings.Repeat("A", maxVerb+1), "", "", errBadLine},
		{"verb at limit", strings.Repeat("A", maxVerb), strings.Repeat("A", maxVerb), "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cmd, err := parseCommand([]byte(c.line))
			if !errors.Is(err, c.err) || (err == nil) != (c.err == nil) {
				t.Fatalf("parseCommand(%q) error = %v, want %v", c.line, err, c.err)
			}
			if cmd.verb != c.verb || cmd.arg != c.arg {
				t.Fatalf("parseCommand(%q) = %q %q, want %q %q", c.line, cmd.verb, cmd.arg, c.verb, c.arg)
			}
		})
	}
}

func TestParseNumber(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in    string
		n     int
		valid bool
	}{
		{"1", 1, true},
		{"0", 0, true},
		{"007", 7, true},
		{"1073741824", maxNumber, true},
		{"99999999999999999999999", maxNumber, true},
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.0", 0, false},
		{"0x10", 0, false},
		{" 1", 0, false},
		{"١", 0, false}, // Arabic-Indic digit one
	}
	for _, c := range cases {
		n, valid := parseNumber(c.in)
		if n != c.n || valid != c.valid {
			t.Errorf("parseNumber(%q) = %d, %v; want %d, %v", c.in, n, valid, c.n, c.valid)
		}
	}
}

// FuzzParseCommand checks the parser's properties on any input: it never
// panics; an accepted line has an upper-case letter keyword that, with the
// argument, gives back the line (or the MOTDn form); and a refused line
// holds a control character, or has no letter keyword before its first
// space.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"STAT", "retr 1", "PASS a b c", "MOTD7", "GET / HTTP/1.0",
		"", " ", "A\x00", "USER a\rb", strings.Repeat("X", 40), "TOP 1 99999999999999999999"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := parseCommand(line)
		s := string(line)
		if err != nil {
			if cmd != (command{}) {
				t.Fatalf("refused %q but returned %+v", s, cmd)
			}
			if !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				verb, _, _ := strings.Cut(s, " ")
				if verb != "" && len(verb) <= maxVerb && strings.IndexFunc(verb, notLetter) < 0 {
					t.Fatalf("refused %q with a letter keyword: %v", s, err)
				}
			}
			return
		}
		if cmd.verb == "" || strings.IndexFunc(cmd.verb, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			t.Fatalf("accepted %q with keyword %q", s, cmd.verb)
		}
		rebuilt := cmd.verb
		if cmd.arg != "" || strings.Contains(s, " ") {
			rebuilt += " " + cmd.arg
		}
		if !strings.EqualFold(rebuilt, s) && !strings.EqualFold("MOTD"+cmd.arg, strings.TrimSuffix(s, " ")) {
			t.Fatalf("%q parsed as %q %q, which does not give it back", s, cmd.verb, cmd.arg)
		}
	})
}

func notLetter(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') }
