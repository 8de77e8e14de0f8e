package config

import (
	"strings"
	"testing"
)

// TestCaptureOneWordStart checks that "mailq /capture" with no INI at all
// is a whole test server: the quick-start ports, SMTP with the MDA and the
// POP3 server in one process, fast, no STARTTLS, sessions for a test suite.
func TestCaptureOneWordStart(t *testing.T) {
	t.Parallel()
	inv, err := ParseArgs([]string{"/capture"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(inv, testEnv(t)) // empty folders: no mailq.ini
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case c.INIFound:
		t.Fatal("an INI was found")
	case !c.Capture.On || !c.Capture.WithPOP || c.Mode != ModeSMTP:
		t.Errorf("capture %+v, mode %v", c.Capture, c.Mode)
	case c.SMTP.Port != 2525 || c.POP.Port != 1100 || c.Server.Bind != "127.0.0.1":
		t.Errorf("listens on %s ports %d and %d, want the quick-start's", c.Server.Bind, c.SMTP.Port, c.POP.Port)
	case !c.MDA.Enabled || c.CaptureMXA():
		t.Errorf("MDA %v, MXA %v; want the MDA only", c.MDA.Enabled, c.CaptureMXA())
	case c.Durable || c.TLS.Enabled:
		t.Errorf("Durable %v, TLS %v; want both off", c.Durable, c.TLS.Enabled)
	case c.SMTP.Threads != captureThreads || c.POP.Threads != captureThreads:
		t.Errorf("threads %d and %d", c.SMTP.Threads, c.POP.Threads)
	}
	summary := strings.Join(c.Summary(), "\n")
	for _, want := range []string{"CAPTURE MODE", "Durable: off"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
}

// TestCaptureKeys checks the INI side: keys set explicitly win over what
// capture mode implies, the limits' pairs, and Capture=True alone (the two
// instances started apart) not running POP3 in the SMTP process.
func TestCaptureKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ini string
		args      []string
		check     func(c *Config) bool
	}{
		{"explicit keep", "[Config]\nCapture=True\nDurable=True\nTLSEnabled=True\nSMTPThreads=6\n", nil,
			func(c *Config) bool {
				return c.Capture.On && !c.Capture.WithPOP && c.Durable && c.TLS.Enabled && c.SMTP.Threads == 6
			}},
		{"pop instance", "[Config]\nCapture=True\n", []string{"/pop"},
			func(c *Config) bool { return c.Capture.On && c.Mode == ModePOP && !c.MDA.Enabled }},
		{"not capturing", "[Config]\n", nil,
			func(c *Config) bool { return !c.Capture.On && c.Durable && c.TLS.Enabled && c.SMTP.Threads == 4 }},
		{"fast without capture", "[Config]\nDurable=False\n", nil, func(c *Config) bool { return !c.Durable && c.TLS.Enabled }},
		{"limits pair", "[Config]\nCaptureMaxMessages=5,50\nCaptureMaxMB=0\n", nil, func(c *Config) bool {
			return c.Capture.MaxMessages == 5 && c.Capture.TotalMessages == 50 && c.Capture.MaxMB == 0 && c.Capture.TotalMB == defaultCaptureTotalMB
		}},
		{"release domains", "[Config]\nReleaseDomains=Example.COM, test.example\n", nil, func(c *Config) bool {
			return c.Capture.ReleaseAllowed("a@EXAMPLE.com") && c.Capture.ReleaseAllowed("b@test.example") &&
				!c.Capture.ReleaseAllowed("c@sub.example.com") && !c.Capture.ReleaseAllowed("not an address")
		}},
		{"mxa only with release domains", "[Config]\nCapture=True\nReleaseDomains=example.com\n[MXA]\nEnabled=True\n", nil,
			func(c *Config) bool { return c.CaptureMXA() }},
		{"no domain warning", "[Config]\nCapture=True\nBind=127.0.0.1\n", nil, func(c *Config) bool { return len(c.DomainWarnings(nil)) == 0 }},
		{"domain warning without capture", "[Config]\n", nil, func(c *Config) bool { return len(c.DomainWarnings(nil)) > 0 }},
		{"network warning", "[Config]\nCapture=True\nBind=*\n", nil, func(c *Config) bool { return hasWarning(c, "reads every captured mailbox") }},
		{"no network warning on loopback", "[Config]\nCapture=True\nBind=127.0.0.1\n", nil, func(c *Config) bool { return !hasWarning(c, "reads every captured mailbox") }},
		{"no network warning with auth", "[Config]\nCapture=True\nCaptureAuth=True\n", nil, func(c *Config) bool { return !hasWarning(c, "reads every captured mailbox") }},
		{"no mxa without release domains", "[Config]\nCapture=True\n[MXA]\nEnabled=True\n", nil,
			func(c *Config) bool { return !c.CaptureMXA() && hasWarning(c, "the MXA is not started") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tc.ini, tc.args...)
			if !tc.check(c) {
				t.Errorf("unexpected configuration:\n%s", render(c, c.BaseDir))
			}
		})
	}
}

func TestCaptureRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ini  string
		args []string
		want string
	}{
		{"capture and pop", "", []string{"/capture", "/pop"}, "already runs the POP3 server"},
		{"capture and web", "", []string{"/capture", "/web"}, "run the web instance on its own"},
		{"release without to", "", []string{"/release:2026010100000012345678"}, "add /TO:address"},
		{"to without release", "", []string{"/to:a@b.example"}, "only used with /RELEASE"},
		{"bad pair", "[Config]\nCaptureMaxMessages=5,x\n", nil, "CaptureMaxMessages"},
		{"bad mailbox", "[Config]\nCaptureMailbox=a/b@c.example\n", nil, "CaptureMailbox"},
		{"bad domain", "[Config]\nReleaseDomains=exa mple..com\n", nil, "ReleaseDomains"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.args != nil {
				_, err = ParseArgs(tc.args)
			} else {
				_, err = loadText(t, tc.ini)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

func TestCaptureMailboxFor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c          Capture
		addr, want string
	}{
		{Capture{On: true}, "Dev+Tag@Example.COM", "dev+tag@example.com"},
		{Capture{On: true, PlusFold: true}, "Dev+Tag@Example.COM", "dev@example.com"},
		{Capture{On: true, PlusFold: true}, "+only@example.com", "+only@example.com"},
		{Capture{On: true, PlusFold: true}, "a+b+c@example.com", "a@example.com"},
		{Capture{On: true, Mailbox: "all@capture.test"}, "x@y.example", "all@capture.test"},
	} {
		if got := tc.c.MailboxFor(tc.addr); got != tc.want {
			t.Errorf("%+v MailboxFor(%q) = %q, want %q", tc.c, tc.addr, got, tc.want)
		}
	}
}
