package pop3

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTTPAnswerLength(t *testing.T) {
	t.Parallel()
	head, body, found := strings.Cut(httpAnswer, "\r\n\r\n")
	if !found || !strings.Contains(head, "Content-Length: "+strconv.Itoa(len(body))+"\r\n") {
		t.Fatalf("Content-Length does not match the body of %d bytes:\n%s", len(body), httpAnswer)
	}
}

func TestMotdLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "motd.txt")
	long := strings.Repeat("é", 400) // 800 bytes
	content := "one\r\n\n  \ttwo\x1b[31m  \r\nbad\xffbyte\n" + long + "\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, err := motdLines(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 4 || !slices.Equal(lines[:3], []string{"one", "two [31m", "bad byte"}) {
		t.Fatalf("lines %q", lines)
	}
	if len(lines[3]) > maxReplyText || !utf8.ValidString(lines[3]) {
		t.Fatalf("long line not cut to %d bytes at a character boundary: %d bytes", maxReplyText, len(lines[3]))
	}
	if _, err := motdLines(filepath.Join(t.TempDir(), "missing")); !os.IsNotExist(err) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestGreeting checks the greeting built from POPWelcome: macros expanded,
// no control characters from the environment, bounded length, and the APOP
// timestamp always present.
func TestGreeting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, welcome string
		env           map[string]string
		want          string // a regexp of the whole greeting
	}{
		{"default", "", nil, `^\+OK mx\.test mailq POP3 server ready <\d+\.[0-9A-F]{16}@mx\.test>$`},
		{"macros", "$hostname says hi $pop_id", nil, `^\+OK mx\.test says hi <\d+\.[0-9A-F]{16}@mx\.test>$`},
		{"environment with CRLF", "x $env.EVIL^ y", map[string]string{"EVIL": "a\r\n+OK forged"},
			`^\+OK x a\+OK forged y <\d+\.[0-9A-F]{16}@mx\.test>$`},
		{"too long", "$env.BIG^", map[string]string{"BIG": strings.Repeat("b", 2000)},
			`^\+OK b{400,} <\d+\.[0-9A-F]{16}@mx\.test>$`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := startServer(t, func(o *Options) {
				o.POP.Welcome = c.welcome
				o.Getenv = func(k string) string { return c.env[k] }
			})
			cl := dial(t, e.addr)
			if len(cl.greet)+2 > 512 {
				t.Fatalf("greeting of %d octets, RFC 2449 §4 allows 512", len(cl.greet)+2)
			}
			if !matches(c.want, cl.greet) {
				t.Fatalf("greeting %q, want %s", cl.greet, c.want)
			}
		})
	}
}

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
