package smtp

import (
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, line string
		want       command
		err        error
	}{
		{"verb only", "QUIT", command{verb: "QUIT"}, nil},
		{"lower case", "quit", command{verb: "QUIT"}, nil},
		{"argument", "MAIL FROM:<a@b>", command{verb: "MAIL", arg: "FROM:<a@b>"}, nil},
		{"blanks kept inside", "MAIL FROM: <a@b>  SIZE=1", command{verb: "MAIL", arg: "FROM: <a@b>  SIZE=1"}, nil},
		{"blanks around", "  noop  hello \t", command{verb: "NOOP", arg: "hello"}, nil},
		{"tab separator", "HELO\tx.example", command{verb: "HELO", arg: "x.example"}, nil},
		{"not a verb", "MAIL2 x", command{arg: "x"}, nil},
		{"too long a verb", strings.Repeat("A", maxVerb+1), command{}, nil},
		{"non-ASCII verb", "MÄIL x", command{arg: "x"}, nil},
		{"8-bit argument kept", "MAIL FROM:<jörg@b>", command{verb: "MAIL", arg: "FROM:<jörg@b>"}, nil},
		{"http get", "GET / HTTP/1.1", command{verb: "GET", arg: "/ HTTP/1.1", http: true}, nil},
		{"http post", "POST /x HTTP/1.0", command{verb: "POST", arg: "/x HTTP/1.0", http: true}, nil},
		{"http head", "HEAD / HTTP/1.0", command{verb: "HEAD", arg: "/ HTTP/1.0", http: true}, nil},
		{"get in lower case is no HTTP", "get /", command{verb: "GET", arg: "/"}, nil},
		{"empty", "", command{}, errEmpty},
		{"blank", " \t ", command{}, errEmpty},
		{"NUL", "NOOP\x00", command{}, errControl},
		{"bare CR", "NOOP\rRSET", command{}, errControl},
		{"DEL", "NO\x7fOP", command{}, errControl},
		{"ESC", "NOOP \x1b[31m", command{}, errControl},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseCommand([]byte(c.line))
			if err != c.err || got != c.want {
				t.Fatalf("parseCommand(%q) = %+v, %v; want %+v, %v", c.line, got, err, c.want, c.err)
			}
		})
	}
}

func TestCutPrefixFold(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s, prefix, rest string
		ok              bool
	}{
		{"FROM:<a@b>", "FROM:", "<a@b>", true},
		{"from:<a@b>", "FROM:", "<a@b>", true},
		{"FrOm: <a@b>", "FROM:", " <a@b>", true},
		{"FROM <a@b>", "FROM:", "FROM <a@b>", false},
		{"FR", "FROM:", "FR", false},
	} {
		rest, ok := cutPrefixFold(c.s, c.prefix)
		if rest != c.rest || ok != c.ok {
			t.Errorf("cutPrefixFold(%q, %q) = %q, %v", c.s, c.prefix, rest, ok)
		}
	}
}

// FuzzParseCommand checks the parser's promises on any input: no panic; a
// refused line is one with a control character or nothing in it; a verb is
// 1 to maxVerb upper-case letters and the input's first word; the argument
// is the rest of the input, with only its surrounding blanks removed.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"EHLO x", "MAIL FROM:<a@b> SIZE=10", "RCPT TO:<Postmaster>", "GET / HTTP/1.1",
		"", " ", "\x00", "NOOP\r", "AUTH PLAIN AGEAYg==", "quit", "MAIL2", "HÉLO x", "DATA\t\tx  "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		c, err := parseCommand(line)
		s := string(line)
		hasCtl := strings.ContainsFunc(s, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f })
		if err != nil {
			if !hasCtl && strings.Trim(s, " \t") != "" {
				t.Fatalf("refused %q: %v", s, err)
			}
			return
		}
		if hasCtl {
			t.Fatalf("accepted a control character: %q", s)
		}
		trimmed := strings.Trim(s, " \t")
		if c.http {
			if !strings.HasPrefix(trimmed, c.verb+" ") {
				t.Fatalf("http verb %q not at the start of %q", c.verb, s)
			}
			return
		}
		if c.verb != "" {
			if !isVerb(c.verb) || strings.ToUpper(c.verb) != c.verb {
				t.Fatalf("bad verb %q from %q", c.verb, s)
			}
			if !strings.EqualFold(trimmed[:len(c.verb)], c.verb) {
				t.Fatalf("verb %q is not the start of %q", c.verb, s)
			}
		}
		if c.arg != strings.Trim(c.arg, " \t") || !strings.HasSuffix(trimmed, c.arg) {
			t.Fatalf("argument %q is not the trimmed rest of %q", c.arg, s)
		}
	})
}
