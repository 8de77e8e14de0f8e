package mxa

import (
	"net/netip"
	"testing"
)

// TestAddressLiteral: RFC 5321 §4.1.3, an IPv4 literal is the bare address
// in brackets and an IPv6 one carries the "IPv6:" tag (in any case); a
// literal of the wrong family, without its brackets, or empty is none.
func TestAddressLiteral(t *testing.T) {
	t.Parallel()
	cases := []struct {
		domain string
		want   string // "" for none
	}{
		{"[192.0.2.1]", "192.0.2.1"},
		{"[IPv6:2001:db8::1]", "2001:db8::1"},
		{"[ipv6:2001:db8::2]", "2001:db8::2"},
		{"[2001:db8::1]", ""},
		{"[IPv6:192.0.2.1]", ""},
		{"[IPv6:]", ""},
		{"192.0.2.1", ""},
		{"[192.0.2.1", ""},
		{"192.0.2.1]", ""},
		{"[]", ""},
		{"example.org", ""},
	}
	for _, c := range cases {
		ip, ok := addressLiteral(c.domain)
		got := ""
		if ok {
			got = ip.String()
		}
		if got != c.want || (ok && ip != netip.MustParseAddr(c.want)) {
			t.Errorf("addressLiteral(%q) = %v, %v; want %q", c.domain, ip, ok, c.want)
		}
	}
}

// TestDomainOf: the domain of an address is what follows its last "@", in
// lower case; an address without one has none.
func TestDomainOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a@Example.ORG":     "example.org",
		`"a@b"@example.org`: "example.org",
		"@Example.ORG":      "example.org",
		"postmaster":        "",
	} {
		if got := domainOf(in); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", in, got, want)
		}
	}
}
