package logs

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// unescape reverses Escape: the proof that two different strings never look
// the same in a log.
func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'x', 'u':
			digits := 2
			if s[i+1] == 'u' {
				digits = 4
			}
			if i+2+digits > len(s) {
				return "", errors.New("short escape")
			}
			v, err := strconv.ParseUint(s[i+2:i+2+digits], 16, 32)
			if err != nil {
				return "", err
			}
			if digits == 2 {
				b.WriteByte(byte(v))
			} else {
				b.WriteRune(rune(v))
			}
			i += 1 + digits
		default:
			b.WriteByte('\\')
		}
	}
	return b.String(), nil
}

func TestEscape(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"plain", "hello world", "hello world"},
		{"CR LF", "a\r\nb", `a\x0d\x0ab`},
		{"ESC and BEL", "\x1b[31mred\a", `\x1b[31mred\x07`},
		{"tab", "a\tb", `a\x09b`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"C1 CSI", "a\u009b31mb", `a\u009b31mb`},
		{"C1 NEL", "a\u0085b", `a\u0085b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"bidi override", "user\u202egnp.exe", `user\u202egnp.exe`},
		{"invalid UTF-8", "a\xff\xc3b", `a\xff\xc3b`},
		{"valid UTF-8 kept", "Grüße, 日本", "Grüße, 日本"},
		{"Windows path kept", `C:\mailq\queue`, `C:\mailq\queue`},
		{"backslash before x", `a\x41`, `a\\x41`},
		{"backslash before u", `\u0041`, `\\u0041`},
		{"double backslash", `a\\b`, `a\\\b`},
		{"backslash before control", "a\\\r", `a\\\x0d`},
		{"trailing backslash", `a\`, `a\`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := Escape(c.in); got != c.want {
				t.Fatalf("Escape(%q) = %q, want %q", c.in, got, c.want)
			}
			if back, err := unescape(c.want); err != nil || back != c.in {
				t.Fatalf("unescape(%q) = %q, %v; want %q", c.want, back, err, c.in)
			}
		})
	}
}

func TestCell(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+2", "'+1+2"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", `\x09=1`},
		{"\r=1", `\x0d=1`},
		{"'quoted", "''quoted"},
		{"a=b", "a=b"},
		{"2026-12-04T15:31:41.000+01:00", "2026-12-04T15:31:41.000+01:00"},
		{"", ""},
	}
	for _, c := range cases {
		if got := cell(c.in); got != c.want {
			t.Errorf("cell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzEscape checks the properties every log line relies on: the result has
// no control character and is valid UTF-8, and unescape gives back the
// input, so distinct inputs stay distinct. A CSV cell made of it is one
// line, never starts like a formula, and reads back to the escaped text.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "a\r\nb", "\x1b[2J", "\u009b", "\xff", `C:\x\`, `\\`, "=1+1", "'=1", "\u202e", "-\\\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if !utf8.ValidString(e) {
			t.Fatalf("Escape(%q) = %q: not UTF-8", s, e)
		}
		for _, r := range e {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || special(r) {
				t.Fatalf("Escape(%q) = %q: holds %U", s, e, r)
			}
		}
		if back, err := unescape(e); err != nil || back != s {
			t.Fatalf("unescape(Escape(%q)) = %q, %v", s, back, err)
		}
		line, err := csvLine([]string{s, "x"})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || bytes.IndexByte(line, '\r') >= 0 {
			t.Fatalf("row for %q is not one line: %q", s, line)
		}
		rows, err := csv.NewReader(bytes.NewReader(line)).ReadAll()
		if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
			t.Fatalf("row for %q does not read back: %q, %v", s, rows, err)
		}
		got := rows[0][0]
		if got != "" && strings.IndexByte("=+-@\t\r", got[0]) >= 0 {
			t.Fatalf("cell for %q starts like a formula: %q", s, got)
		}
		if strings.HasPrefix(got, "'") {
			got = got[1:]
		}
		if got != e {
			t.Fatalf("cell for %q reads back as %q, want %q", s, got, e)
		}
	})
}

// TestHostileTextInFileAndConsole: what a client chose (a user name with
// CR LF and a forged row after it, terminal escapes, C1 controls, a formula)
// reaches neither the file nor the console raw.
func TestHostileTextInFileAndConsole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var console bytes.Buffer
	off := false
	now := time.Date(2026, 12, 4, 15, 31, 41, 0, time.FixedZone("CET", 3600))
	l, err := New(Options{Dir: dir, Level: Debug, Console: &console, Color: &off, Now: fixedNow(now)})
	if err != nil {
		t.Fatal(err)
	}
	user := "bob\r\n2026-12-04T15:31:41.000+01:00,9,SMTP,OK,forged\x1b]0;owned\a\u009b2J"
	c := SMTPConn{ID: "3", Client: "192.0.2.40", ESMTP: true}
	l.SMTPAuthFailed(c, "PLAIN", user, "no such user")
	l.SMTPRejected(c, "=cmd|' /C calc'!A0", "500 5.5.2 what?")
	l.Close()

	data, err := os.ReadFile(filepath.Join(dir, "smtp-20261204.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []struct{ name, text string }{{"file", string(data)}, {"console", console.String()}} {
		for _, bad := range []string{"\r", "\x1b", "\a", "\u009b"} {
			if strings.Contains(out.text, bad) {
				t.Errorf("%s holds %q raw:\n%q", out.name, bad, out.text)
			}
		}
		if n := strings.Count(out.text, "\n"); n != map[string]int{"file": 3, "console": 2}[out.name] {
			t.Errorf("%s has %d lines:\n%s", out.name, n, out.text)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	for _, row := range rows[1:] {
		for i, v := range row {
			if v != "" && strings.IndexByte("=+-@", v[0]) >= 0 {
				t.Errorf("cell %d starts like a formula: %q", i, v)
			}
		}
	}
	if got := rows[1][indexOf(Header(FileSMTP), "user")]; got != Escape(user) {
		t.Errorf("user cell %q, want %q", got, Escape(user))
	}
}

// BenchmarkEscape measures the cost of escaping a typical clean text (no
// allocation) and one with control characters to escape.
func BenchmarkEscape(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"clean", "message 2026120415412795599038 from <alice@test.example> to <bob@far.example>, 528 bytes, queued"},
		{"hostile", "bob\r\n2026-12-04T15:31:41.000+01:00,9,SMTP,OK,forged\x1b]0;owned\a\u009b2J"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Escape(bc.s)
			}
		})
	}
}
