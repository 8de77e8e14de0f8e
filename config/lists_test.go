package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLocalMX(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want MXRoute
		err  string
	}{
		{in: "localhost.com,snoopy", want: MXRoute{"localhost.com", "snoopy", 25}},
		{in: "Example.com , bart:26", want: MXRoute{"example.com", "bart", 26}},
		{in: "example.com,bart,2525", want: MXRoute{"example.com", "bart", 2525}},
		{in: "mydomain.org,192.168.2.2", want: MXRoute{"mydomain.org", "192.168.2.2", 25}},
		{in: "a.org,[::1]:2526", want: MXRoute{"a.org", "::1", 2526}},
		{in: "a.org,::1,2526", want: MXRoute{"a.org", "::1", 2526}},
		{in: "localhost.com,localhost.com:2525", want: MXRoute{"localhost.com", "localhost.com", 2525}},
		{in: "*,smtp.isp.com", want: MXRoute{"*", "smtp.isp.com", 25}},
		{in: "*,mail.isp.com:2525", want: MXRoute{"*", "mail.isp.com", 2525}},
		{in: "*,*", want: MXRoute{"*", "*", 25}},
		{in: "example.org,*", want: MXRoute{"example.org", "*", 25}},
		{in: "*,*:2525", err: "no port after *"},
		{in: "*,*,2525", err: "no port after *"},
		{in: "*.*", err: "expected domain,host"},
		{in: "a.com", err: "expected domain,host"},
		{in: "a.com,b,c,d", err: "expected domain,host"},
		{in: "a.com,b:0", err: "expected domain,host"},
		{in: "a.com,b,99999", err: "port number"},
		{in: "bad_domain,b", err: "expected domain,host"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseMXRoute(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseMXRoute(%q) = %+v, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseMXRoute(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLocalMXSection(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[LocalMX]\nItem1=a.com,x ; first\nitem2=b.com,y; second\nItem3=\nItem4=*,*\n")
	want := []MXRoute{{"a.com", "x", 25}, {"b.com", "y", 25}, {"*", "*", 25}}
	if !reflect.DeepEqual(c.LocalMX, want) {
		t.Errorf("LocalMX = %+v; want %+v", c.LocalMX, want)
	}
	_, err := loadText(t, "[LocalMX]\nItem1=a.com,x\nItem2=A.com,y\n")
	if err == nil || err.Error() != `mailq.ini: [LocalMX] Item2="A.com,y": expected a domain not routed already (Item1 routes a.com)` {
		t.Errorf("duplicate domain: %v", err)
	}
	var b strings.Builder
	b.WriteString("[LocalMX]\n")
	for i := 1; i <= maxLocalMX+1; i++ {
		fmt.Fprintf(&b, "Item%d=d%d.com,h\n", i, i)
	}
	_, err = loadText(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "at most 100 entries") {
		t.Errorf("101 entries: %v", err)
	}
}

func TestAliases(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Domains]\nDomain1=localhost.com\n[EmailAlias]\nItem1=postmaster, admin@localhost.com\nItem2=Fred@SomeDomain.com ,admin@localhost.com\n")
	want := []Alias{{From: "postmaster", To: "admin@localhost.com"}, {From: "fred@somedomain.com", To: "admin@localhost.com"}}
	if !reflect.DeepEqual(c.Aliases, want) {
		t.Errorf("Aliases = %+v; want %+v", c.Aliases, want)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"no comma", "[EmailAlias]\nItem1=fred@a.com", "expected alias,real-address"},
		{"bare real", "[EmailAlias]\nItem1=fred@a.com,admin", "expected a real address after the comma"},
		{"duplicate", "[EmailAlias]\nItem1=fred@a.com,x@a.com\nItem2=FRED@a.com,y@a.com", "(Item1 defines fred@a.com)"},
		{"self", "[EmailAlias]\nItem1=fred@a.com,fred@a.com", "aliases form a loop: fred@a.com -> fred@a.com"},
		{"loop", "[EmailAlias]\nItem1=a@x.com,b@x.com\nItem2=b@x.com,c@x.com\nItem3=c@x.com,a@x.com", "aliases form a loop: a@x.com -> b@x.com -> c@x.com -> a@x.com"},
		{"bare loop", "[Domains]\nDomain1=x.com\n[EmailAlias]\nItem1=postmaster,admin@x.com\nItem2=admin@x.com,postmaster@x.com", "aliases form a loop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error = %v; want one with %q", err, tc.want)
			}
		})
	}
	// A bare alias pointing at another domain is not a loop.
	mustLoad(t, "[EmailAlias]\nItem1=postmaster,admin@elsewhere.com\nItem2=admin@elsewhere.com,boss@x.com\n")
}

func TestDomainsDNSBLRelayIPs(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `[Config]
HostDomain=Example.COM
[Domains]
Domain1=LocalHost
Domain2=localhost.
Domain3=127.0.0.1 ; the manual suggests it
Domain10=example.com
[DNSBL]
Item1=zen.spamhaus.org
Item2=ZEN.spamhaus.org
Item3=bl.spamcop.net
[RelayIPs]
Item1=192.168.1.7/24
Item2=10.0.0.5
Item3=::1
`)
	if want := []string{"localhost", "[127.0.0.1]", "example.com"}; !reflect.DeepEqual(c.Domains, want) {
		t.Errorf("Domains = %q; want %q", c.Domains, want)
	}
	if want := []string{"example.com", "localhost", "[127.0.0.1]"}; !reflect.DeepEqual(c.AllDomains(), want) {
		t.Errorf("AllDomains = %q; want %q", c.AllDomains(), want)
	}
	if !c.LocalDomain("LOCALHOST") || !c.LocalDomain("[127.0.0.1]") || c.LocalDomain("other.com") {
		t.Error("LocalDomain disagrees with [Domains]")
	}
	if want := []string{"zen.spamhaus.org", "bl.spamcop.net"}; !reflect.DeepEqual(c.DNSBL, want) {
		t.Errorf("DNSBL = %q; want %q", c.DNSBL, want)
	}
	want := []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("::1/128")}
	if !reflect.DeepEqual(c.RelayIPs, want) {
		t.Errorf("RelayIPs = %v; want %v", c.RelayIPs, want)
	}
	if _, err := loadText(t, "[RelayIPs]\nItem1=192.168.1.0/33"); err == nil {
		t.Error("a /33 range was accepted")
	}
	for _, wide := range []string{"0.0.0.0/0", "10.0.0.0/7", "::/0", "::ffff:0:0/96", "2001::/15"} {
		c := mustLoad(t, "[Config]\nHostName=mx.test\n[RelayIPs]\nItem1="+wide)
		if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "open relay") {
			t.Errorf("%s: warnings %q", wide, c.Warnings)
		}
	}
	for _, lan := range []string{"10.0.0.0/8", "192.168.0.0/16", "fd00::/16", "::ffff:10.0.0.0/104"} {
		if c := mustLoad(t, "[Config]\nHostName=mx.test\n[RelayIPs]\nItem1="+lan); len(c.Warnings) != 0 {
			t.Errorf("%s: warnings %q", lan, c.Warnings)
		}
	}
}

func TestScripts(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `[Scripts]
Enabled=True
User1@LocalHost.com=.\scripts\newmail.bat
admin@localhost.com="scripts/special; one.sh"
*=/opt/scripts/system.sh
`)
	base := c.BaseDir
	want := Scripts{
		Enabled: true,
		System:  rooted(base, "/opt/scripts/system.sh"),
		PerUser: map[string]string{
			"user1@localhost.com": filepath.Join(base, "scripts", "newmail.bat"),
			"admin@localhost.com": filepath.Join(base, "scripts", "special; one.sh"),
		},
	}
	if !reflect.DeepEqual(c.Scripts, want) {
		t.Errorf("Scripts = %+v; want %+v", c.Scripts, want)
	}
	_, err := loadText(t, "[Scripts]\n*=a.sh\n*=b.sh\n")
	if err == nil || err.Error() != "mailq.ini:3: [Scripts] a second * script (the first is on line 2); only one system script is allowed" {
		t.Errorf("two system scripts: %v", err)
	}
	c = mustLoad(t, "[Scripts]\n*=a.sh\n")
	if c.Scripts.Enabled {
		t.Error("scripts enabled without Enabled=True")
	}
}

// TestRPOPWarnsSMTP: the SMTP instance warns about /RPOP, which the POP3
// instance refuses.
func TestRPOPWarnsSMTP(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "[Config]\nHostName=mx.test\nPOPRPOPEnabled=True\n")
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "POP3 instance will refuse to start") {
		t.Fatalf("warnings %q", c.Warnings)
	}
}
