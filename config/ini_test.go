package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"gopkg.in/ini.v1"
)

// TestLibraryBehaviour records what gopkg.in/ini.v1 does with iniOptions on
// its own, without prepareINI: the cases it reads as MailQ means them, and
// the ones that are why prepareINI exists. If a new version of the library
// changes any of these, this test says which.
func TestLibraryBehaviour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, line string
		want       string // the value of key k; "ERROR" if the file is refused
		mailq      bool   // the library alone reads it as MailQ means it
	}{
		{"quoted semicolon kept", `k="ready; welcome"`, "ready; welcome", true},
		{"space comment dropped", `k=* ; comment`, "*", true},
		{"unquoted semicolon kept", `k=ready; set`, "ready; set", true},
		{"trailing backslash not joined", "k=.\\queue\\\nnext=1", `.\queue\`, true},
		{"quoted trailing backslash", "k=\".\\queue\\\"\nnext=1", `.\queue\`, true},
		{"escaped quote", `k="a \"b\""`, `a "b"`, true},
		{"case-insensitive", "K=1", "1", true},
		{"no space before comment kept", `k=False; comment`, "False; comment", true}, // cutComment handles it per key
		{"tab before comment kept", "k=*\t; comment", "*\t; comment", false},
		{"quote inside comment", `k=".\users" ; (Default=.\users")`, `.\users" ; (Default=.\users`, false},
		{"later hash comment wins", `k=a ;b #c`, "a ;b", false},
		{"unclosed quote joins lines", "k=\"oops\nnext=1\nx=\"y\"", "oops\nnext=1\nx=\"y", false},
		{"text after quote dropped", `k="x" trailing`, "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ini.LoadSources(iniOptions, []byte("[s]\n"+tc.line))
			got := "ERROR"
			if err == nil {
				got = f.Section("s").Key("k").String()
			}
			if got != tc.want {
				t.Errorf("library reads %q as %q; this test expected %q", tc.line, got, tc.want)
			}
			p, err := prepareINI([]byte("[s]\n" + tc.line))
			var ours string
			if err == nil {
				f, err := ini.LoadSources(iniOptions, p.canon)
				if err != nil {
					t.Fatalf("library refuses the prepared file: %v", err)
				}
				ours = f.Section("s").Key("k").String()
			}
			if (ours == got) != tc.mailq {
				t.Errorf("with prepareINI %q reads as %q (library alone: %q)", tc.line, ours, got)
			}
		})
	}
}

func TestValueText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		err      string // part of the error, if refused
	}{
		{in: `* ; comment`, want: `*`},
		{in: "*\t; comment", want: `*`},
		{in: "*\t# comment", want: `*`},
		{in: `  "ready; welcome" ; greeting`, want: `"ready; welcome"`},
		{in: `".\users" ; Path (Default=.\users")`, want: `".\users"`},
		{in: `".\queue\"`, want: `".\queue\"`},
		{in: `"a \"b\""`, want: `"a \"b\""`},
		{in: `"x";c`, want: `"x"`},
		{in: `a ;b #c`, want: `a`},
		{in: `a#b`, want: `a#b`},
		{in: `; only a comment`, want: ``},
		{in: ``, want: ``},
		{in: `$time""`, want: `$time""`},
		{in: `"hello $time""`, want: `"hello $time""`},
		{in: `"oops`, err: "never closed"},
		{in: `"x" trailing`, err: "after the closing quote"},
		{in: `"""x"""`, err: "three quotes"},
		{in: "`x`", err: "backtick"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := valueText(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("valueText(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("valueText(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no equals", "[Config]\nSMTPPort 2525\n", "mailq.ini:2: expected key=value, a [section] or a ; comment: SMTPPort 2525"},
		{"unclosed section", "[Config\n", "mailq.ini:1: a section header needs a closing ]: [Config"},
		{"empty section", "[ ]\n", "mailq.ini:1: expected a section name between [ and ]: [ ]"},
		{"text after section", "[Config] x\n", "mailq.ini:1: unexpected text after the section header: [Config] x"},
		{"empty key", "[Config]\n=5\n", "mailq.ini:2: missing key name before =: =5"},
		{"unclosed quote", "[Config]\n\nSMTPWelcome=\"hello\nPOPPort=1\n", "mailq.ini:3: the opening quote is never closed: SMTPWelcome=\"hello"},
		{"utf16", "\xff\xfe[\x00", "mailq.ini:1: the file is UTF-16; save it as UTF-8 or ANSI: (UTF-16 byte order mark)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, tc.text)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Load error = %v; want a *SyntaxError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
		})
	}
}

func TestINIValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		check      func(c *Config) bool
	}{
		{"quoted semicolon", "[Config]\nSMTPWelcome=\"ready; welcome\"", func(c *Config) bool { return c.SMTP.Welcome == "ready; welcome" }},
		{"unquoted semicolon in text", "[Config]\nSMTPWelcome=ready; welcome", func(c *Config) bool { return c.SMTP.Welcome == "ready; welcome" }},
		{"space comment", "[Config]\nBind=* ; comment", func(c *Config) bool { return c.Server.Bind == "" }},
		{"no-space comment on bool", "[Config]\nEnableMouseSelect=True; comment\nSMTPThreads=8; n", func(c *Config) bool {
			return c.Server.EnableMouseSelect && c.SMTP.Threads == 8
		}},
		{"tab comment", "[Config]\nSMTPPort=2525\t; comment", func(c *Config) bool { return c.SMTP.Port == 2525 }},
		{"trailing backslash", "[Config]\nQueuePath=\".\\q\\\"\nSMTPPort=2526\n", func(c *Config) bool {
			return c.Paths.Queue == filepath.Join(c.BaseDir, "q") && c.SMTP.Port == 2526
		}},
		{"unquoted trailing backslash", "[Config]\nQueuePath=.\\q\\\nSMTPPort=2526\n", func(c *Config) bool {
			return c.Paths.Queue == filepath.Join(c.BaseDir, "q") && c.SMTP.Port == 2526
		}},
		{"quote in comment", "[MDA]\nUserPath=\".\\u\" ; relative (Default=.\\users\")", func(c *Config) bool {
			return c.Paths.Users == filepath.Join(c.BaseDir, "u")
		}},
		{"case-insensitive", "[CONFIG]\nsmtpport=2527\n[mxa]\nmx=REMOTE", func(c *Config) bool { return c.SMTP.Port == 2527 && c.MXA.MX == MXRemote }},
		{"spaces around equals", "[Config]\n  SMTPPort  =  2528  \r\n", func(c *Config) bool { return c.SMTP.Port == 2528 }},
		{"crlf and bom", "\xef\xbb\xbf[Config]\r\nPOPPort=1100\r\n", func(c *Config) bool { return c.POP.Port == 1100 }},
		{"comment after section", "[Config] ; core [settings]\nPOPPort=1101", func(c *Config) bool { return c.POP.Port == 1101 }},
		{"repeated key last wins", "[Config]\nPOPPort=1\nPOPPort=2", func(c *Config) bool {
			return c.POP.Port == 2 && hasWarning(c, "line 3: [Config] POPPort is set again (first on line 2)")
		}},
		{"repeated section merges", "[Config]\nPOPPort=3\n[MDA]\n[Config]\nSMTPPort=4", func(c *Config) bool { return c.POP.Port == 3 && c.SMTP.Port == 4 }},
		{"empty value is default", "[Config]\nSMTPPort=\nSMTPWelcome=", func(c *Config) bool { return c.SMTP.Port == 25 && c.SMTP.Welcome == "" }},
		{"booleans", "[Config]\nFixHeaders=no\nHTTPGet=OFF\nMotd=yes\nNoBackSpace=1", func(c *Config) bool {
			return !c.Server.FixHeaders && !c.Server.HTTPGet && c.Server.Motd && c.Server.NoBackSpace
		}},
		{"size in MB", "[Config]\nSMTPMaxMessageSize=5", func(c *Config) bool { return c.SMTP.MaxMessageSize == 5<<20 }},
		{"size with unit", "[Config]\nSMTPMaxMessageSize=512KB", func(c *Config) bool { return c.SMTP.MaxMessageSize == 512<<10 }},
		{"escaped quote", `[Config]` + "\n" + `SMTPWelcome="say \"hi\""`, func(c *Config) bool { return c.SMTP.Welcome == `say "hi"` }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tc.text)
			if !tc.check(c) {
				t.Errorf("unexpected configuration:\n%s", render(c, c.BaseDir))
			}
		})
	}
}

// FuzzLoadINI checks that any file is either refused or loads into a Config
// within every limit, that its values never span lines, and that cleaning a
// cleaned file changes nothing.
func FuzzLoadINI(f *testing.F) {
	f.Add([]byte("[Config]\nBind=* ; all\nSMTPPort=2525\nSMTPWelcome=\"hi; there\"\n[Domains]\nDomain1=Example.com\n"))
	f.Add(QuickStartINI)
	f.Add([]byte("[LocalMX]\nItem1=a.com,b:26\nItem2=*,*\n[EmailAlias]\nItem1=postmaster, a@b.com\n"))
	f.Add([]byte("[Config]\nQueuePath=\".\\q\\\"\nHost Name=BART\n[Scripts]\nEnabled=True\n*=s.bat\n"))
	f.Add([]byte("[MXA]\nEnabled=True\nMX=Gateway\nGateway=gw:2525\nMessageExpiry=90\n[Config]\nSMTPMessageExpiry=3h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := absBase
		c, err := loadData(data, base, &Invocation{})
		if err == nil {
			if verr := validConfig(c); verr != nil {
				t.Fatalf("loaded an invalid Config: %v", verr)
			}
			if strings.ContainsAny(c.SMTP.Welcome+c.POP.Welcome+c.MXA.GatewayPassword, "\n") {
				t.Fatalf("welcome spans lines: %q %q", c.SMTP.Welcome, c.POP.Welcome)
			}
		}
		p, perr := prepareINI(data)
		if perr != nil {
			return
		}
		q, qerr := prepareINI(p.canon)
		if qerr != nil || string(q.canon) != string(p.canon) {
			t.Fatalf("cleaning the cleaned file: %v\n%q\n%q", qerr, p.canon, q.canon)
		}
	})
}

// plainValue reports whether s can be written unquoted and read back as is.
func plainValue(s string) bool {
	if s == "" || strings.ContainsAny(s, "\"`;#\r\n") || len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return false
	}
	first, last := []rune(s)[0], []rune(s)[len([]rune(s))-1]
	return !unicode.IsSpace(first) && !unicode.IsSpace(last)
}

// TestQuotingRoundTrip checks a few values by the rule FuzzINIValue checks
// for all.
func TestQuotingRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{`.\queue\`, `a;b`, `  padded  `, `x#y`, `$time`, `C:\mail`, `'single'`} {
		if got, err := readBack(`"` + s + `"`); err != nil || got != s {
			t.Errorf("quoted %q reads back as %q, %v", s, got, err)
		}
	}
}

// readBack writes K=raw in a section and returns what the loader reads.
func readBack(raw string) (string, error) {
	f, _, err := parseINI([]byte("[S]\nK=" + raw + "\n"))
	if err != nil {
		return "", err
	}
	return f.Section("s").Key("k").String(), nil
}
