package address

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseMailbox(t *testing.T) {
	t.Parallel()
	long63 := strings.Repeat("a", 63)
	cases := []struct {
		name, in      string
		local, domain string
		str, key      string // "" means same as in / lower-case str
		wantErr       error
	}{
		{name: "plain", in: "admin@localhost.com", local: "admin", domain: "localhost.com"},
		{name: "case kept, key lowered", in: "Admin@LocalHost.COM", local: "Admin", domain: "LocalHost.COM", key: "admin@localhost.com"},
		{name: "atext specials", in: "a!#$%&'*+-/=?^_`{|}~z@x", local: "a!#$%&'*+-/=?^_`{|}~z", domain: "x"},
		{name: "atext range ends", in: "azAZ09@x", local: "azAZ09", domain: "x", key: "azaz09@x"},
		{name: "dots", in: "first.last@ex-ample.org", local: "first.last", domain: "ex-ample.org"},
		{name: "single label", in: "admin@localhost", local: "admin", domain: "localhost"},
		{name: "digit labels", in: "a@127.0.0.1", local: "a", domain: "127.0.0.1"},
		{name: "quoted space", in: `"a b"@x`, local: "a b", domain: "x"},
		{name: "quoted at", in: `"a@b"@c`, local: "a@b", domain: "c"},
		{name: "quoted dot-string unquoted", in: `"abc"@x`, local: "abc", domain: "x", str: "abc@x"},
		{name: "quoted pair plain", in: `"a\bc"@x`, local: "abc", domain: "x", str: "abc@x"},
		{name: "quoted pair quote", in: `"a\"b"@x`, local: `a"b`, domain: "x"},
		{name: "quoted pair backslash", in: `"a\\b"@x`, local: `a\b`, domain: "x"},
		{name: "quoted double dot", in: `"a..b"@x`, local: "a..b", domain: "x"},
		{name: "quoted angle", in: `"<a>"@x`, local: "<a>", domain: "x"},
		{name: "ipv4 literal", in: "u@[192.0.2.1]", local: "u", domain: "[192.0.2.1]"},
		{name: "ipv4 leading zeros", in: "u@[010.000.0.1]", local: "u", domain: "[010.000.0.1]"},
		{name: "ipv6 literal", in: "u@[IPv6:2001:db8::1]", local: "u", domain: "[IPv6:2001:db8::1]"},
		{name: "ipv6 tag lower", in: "u@[ipv6:::1]", local: "u", domain: "[ipv6:::1]"},
		{name: "ipv6v4", in: "u@[IPv6:::ffff:192.0.2.1]", local: "u", domain: "[IPv6:::ffff:192.0.2.1]"},
		{name: "63-octet label", in: "u@" + long63 + ".com", local: "u", domain: long63 + ".com"},
		{name: "64-octet local", in: strings.Repeat("l", 64) + "@x", local: strings.Repeat("l", 64), domain: "x"},

		{name: "empty", in: "", wantErr: ErrSyntax},
		{name: "no at", in: "admin", wantErr: ErrSyntax},
		{name: "no local", in: "@x", wantErr: ErrSyntax},
		{name: "no domain", in: "a@", wantErr: ErrSyntax},
		{name: "two ats", in: "a@b@c", wantErr: ErrSyntax},
		{name: "trailing dot domain", in: "a@x.com.", wantErr: ErrSyntax},
		{name: "leading dot domain", in: "a@.x.com", wantErr: ErrSyntax},
		{name: "empty label", in: "a@x..com", wantErr: ErrSyntax},
		{name: "hyphen edge", in: "a@-x.com", wantErr: ErrSyntax},
		{name: "hyphen end", in: "a@x-.com", wantErr: ErrSyntax},
		{name: "underscore domain", in: "a@x_y.com", wantErr: ErrSyntax},
		{name: "64-octet label", in: "u@" + long63 + "a.com", wantErr: ErrSyntax},
		{name: "trailing dot local", in: "a.@x", wantErr: ErrSyntax},
		{name: "leading dot local", in: ".a@x", wantErr: ErrSyntax},
		{name: "double dot local", in: "a..b@x", wantErr: ErrSyntax},
		{name: "dotdot slash", in: "../x@y", wantErr: ErrSyntax},
		{name: "slash domain", in: "x@y/../z", wantErr: ErrSyntax},
		{name: "space unquoted", in: "a b@x", wantErr: ErrSyntax},
		{name: "empty quoted", in: `""@x`, wantErr: ErrSyntax},
		{name: "unclosed quote", in: `"ab@x`, wantErr: ErrSyntax},
		{name: "quote then text", in: `"a"b@x`, wantErr: ErrSyntax},
		{name: "dangling backslash", in: `"a\`, wantErr: ErrSyntax},
		{name: "unquoted backslash", in: `a\b@x`, wantErr: ErrSyntax},
		{name: "nul", in: "a\x00b@x", wantErr: ErrSyntax},
		{name: "nul in quotes", in: "\"a\x00b\"@x", wantErr: ErrSyntax},
		{name: "cr", in: "a\r@x", wantErr: ErrSyntax},
		{name: "lf in quotes", in: "\"a\nb\"@x", wantErr: ErrSyntax},
		{name: "tab", in: "a\t@x", wantErr: ErrSyntax},
		{name: "del", in: "a\x7f@x", wantErr: ErrSyntax},
		{name: "non-ascii local", in: "é@x", wantErr: ErrNonASCII},
		{name: "non-ascii domain", in: "a@bücher.de", wantErr: ErrNonASCII},
		{name: "latin1 byte", in: "a\xe9@x", wantErr: ErrNonASCII},
		{name: "lowest non-ascii byte", in: "a\x80@x", wantErr: ErrNonASCII},
		{name: "65-octet local", in: strings.Repeat("l", 65) + "@x", wantErr: ErrTooLong},
		{name: "65-octet quoted local", in: `"` + strings.Repeat("l", 63) + `"@x`, wantErr: ErrTooLong},
		{name: "255-octet mailbox", in: "a@" + strings.Repeat("b.", 126) + "cc", wantErr: ErrTooLong},
		{name: "bad ipv4", in: "u@[256.0.0.1]", wantErr: ErrSyntax},
		{name: "short ipv4", in: "u@[1.2.3]", wantErr: ErrSyntax},
		{name: "long ipv4", in: "u@[1.2.3.4.5]", wantErr: ErrSyntax},
		{name: "four-digit snum", in: "u@[0001.2.3.4]", wantErr: ErrSyntax},
		{name: "ipv6 without tag", in: "u@[2001:db8::1]", wantErr: ErrSyntax},
		{name: "ipv6 zone", in: "u@[IPv6:fe80::1%eth0]", wantErr: ErrSyntax},
		{name: "ipv6 tag with v4", in: "u@[IPv6:192.0.2.1]", wantErr: ErrSyntax},
		{name: "general literal", in: "u@[x-tag:abc]", wantErr: ErrSyntax},
		{name: "unclosed literal", in: "u@[1.2.3.4", wantErr: ErrSyntax},
		{name: "empty literal", in: "u@[]", wantErr: ErrSyntax},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMailbox(c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("ParseMailbox(%q) = %+v, %v; want %v", c.in, m, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMailbox(%q): %v", c.in, err)
			}
			if m.Local != c.local || m.Domain != c.domain {
				t.Fatalf("ParseMailbox(%q) = %+v; want local %q domain %q", c.in, m, c.local, c.domain)
			}
			str := c.str
			if str == "" {
				str = c.in
			}
			key := c.key
			if key == "" {
				key = strings.ToLower(str)
			}
			if got := m.String(); got != str {
				t.Errorf("String() = %q; want %q", got, str)
			}
			if got := m.Key(); got != key {
				t.Errorf("Key() = %q; want %q", got, key)
			}
		})
	}
}

func TestMailboxString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		m    Mailbox
		want string
	}{
		{Mailbox{"a", "x"}, "a@x"},
		{Mailbox{"a b", "x"}, `"a b"@x`},
		{Mailbox{`a"b\c`, "x"}, `"a\"b\\c"@x`},
		{Mailbox{".a", "x"}, `".a"@x`},
		{Mailbox{"Postmaster", ""}, "Postmaster"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			t.Parallel()
			if got := c.m.String(); got != c.want {
				t.Fatalf("%+v.String() = %q; want %q", c.m, got, c.want)
			}
			if c.m.Domain == "" {
				return
			}
			back, err := ParseMailbox(c.want)
			if err != nil || back != c.m {
				t.Fatalf("ParseMailbox(%q) = %+v, %v; want %+v", c.want, back, err, c.m)
			}
		})
	}
}

func TestMailboxIP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		domain string
		want   string // "" means not a literal
	}{
		{"[192.0.2.1]", "192.0.2.1"},
		{"[010.0.0.001]", "10.0.0.1"},
		{"[IPv6:2001:DB8::1]", "2001:db8::1"},
		{"example.com", ""},
		{"192.0.2.1", ""},
	}
	for _, c := range cases {
		t.Run(c.domain, func(t *testing.T) {
			t.Parallel()
			ip, ok := Mailbox{Local: "u", Domain: c.domain}.IP()
			if c.want == "" {
				if ok {
					t.Fatalf("IP() = %v, true; want not a literal", ip)
				}
				return
			}
			if !ok || ip != netip.MustParseAddr(c.want) {
				t.Fatalf("IP() = %v, %v; want %s", ip, ok, c.want)
			}
		})
	}
}

func TestValidDomain(t *testing.T) {
	t.Parallel()
	good := []string{"localhost", "example.com", "a-b.c0", "1.2.3.4", "[1.2.3.4]", "[IPv6:::1]", "xn--bcher-kva.de",
		"z9.Z0", "[192.0.2.255]", // the ends of the letter and digit ranges, the highest octet
		strings.Repeat("a.", 127) + "a", // 255 octets: the longest domain (RFC 5321 §4.5.3.1.2)
	}
	bad := []string{"", ".", "a.", ".a", "a..b", "-a", "a_b", "a b", "é.fr", "[1.2.3.4", "[]", "a\x00", strings.Repeat("a.", 128) + "a"}
	for _, d := range good {
		if !ValidDomain(d) {
			t.Errorf("ValidDomain(%q) = false; want true", d)
		}
	}
	for _, d := range bad {
		if ValidDomain(d) {
			t.Errorf("ValidDomain(%q) = true; want false", d)
		}
	}
}

func TestIsPostmaster(t *testing.T) {
	t.Parallel()
	for _, l := range []string{"postmaster", "PostMaster", "POSTMASTER"} {
		if !(Mailbox{Local: l, Domain: "x"}).IsPostmaster() {
			t.Errorf("%q: IsPostmaster() = false", l)
		}
	}
	if (Mailbox{Local: "postmasters", Domain: "x"}).IsPostmaster() {
		t.Error("postmasters: IsPostmaster() = true")
	}
}
