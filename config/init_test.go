package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestInitINI: the mailq.ini of /INIT loads without warnings (but the one
// for the HostName left to fill in), serves the domain it names and only
// that one, and otherwise runs exactly the quick-start settings.
func TestInitINI(t *testing.T) {
	t.Parallel()
	base := filepath.FromSlash("/base")
	q, err := loadData(QuickStartINI, base, &Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ arg, domain, line string }{
		{"Example.COM", "example.com", "HostDomain=example.com"},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			t.Parallel()
			inv, err := ParseArgs([]string{"/INIT:" + tc.arg})
			if err != nil {
				t.Fatal(err)
			}
			if inv.Init != tc.domain {
				t.Fatalf("Init = %q, want %q", inv.Init, tc.domain)
			}
			data := InitINI(inv.Init)
			if !strings.Contains(string(data), "\n"+tc.line+"\n") || strings.Contains(string(data), "$DOMAIN") {
				t.Fatalf("InitINI(%q):\n%s", inv.Init, data)
			}
			c, err := loadData(data, base, &Invocation{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.Warnings {
				if !strings.Contains(w, "HostName is not set") {
					t.Errorf("warning: %s", w)
				}
			}
			if got := strings.Join(c.AllDomains(), ","); got != tc.domain {
				t.Errorf("domains %q, want %q", got, tc.domain)
			}
			if w := c.DomainWarnings([]string{"me@" + tc.domain}); len(w) != 0 {
				t.Errorf("domain warnings: %q", w)
			}
			c.Server.HostName, c.Server.HostDomain, c.Domains = q.Server.HostName, q.Server.HostDomain, q.Domains
			c.Warnings = nil
			if got, want := render(c, base), render(q, base); got != want {
				t.Errorf("/INIT's settings differ from the quick start's (- quick start, + init):\n%s", diff(want, got))
			}
		})
	}
}

func TestInitSwitchCombinations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string // "" for accepted, else part of the error
	}{
		{[]string{"/INIT:example.com"}, ""},
		{[]string{"/INIT:example.com", "/ADDUSER:me@example.com", "/PW:secret"}, ""},
		{[]string{"/ADDUSER:me@example.com", "/PW:secret", "/INIT:example.com"}, ""},
		{[]string{"/INIT:example.com", "/DELUSER:me@example.com"}, "only /ADDUSER"},
		{[]string{"/INIT:example.com", "/STOP"}, "only /ADDUSER"},
		{[]string{"/INIT:example.com", "/INI:x.ini"}, "/INI or /NOINI"},
		{[]string{"/INIT:example.com", "/NOINI"}, "/INI or /NOINI"},
		{[]string{"/INIT:not a domain"}, "domain name"},
		{[]string{"/INIT:"}, "domain name"},
		{[]string{"/INIT:192.0.2.7"}, "domain name"},
	} {
		_, err := ParseArgs(tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}
