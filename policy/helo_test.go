package policy

import (
	"net/netip"
	"testing"
)

func TestCheckHELO(t *testing.T) {
	t.Parallel()
	ourNames := []string{"mail.example.com", "Example.COM.", ""}
	ourIPs := []netip.Addr{netip.MustParseAddr("192.0.2.25"), netip.MustParseAddr("2001:db8::25")}
	tests := []struct {
		name  string
		bogus bool
		why   string
	}{
		{"client.example.net", false, ""},
		{"client.example.net.", false, ""},
		{"BART", false, ""},
		{"my_pc.lan", false, ""},
		{"[198.51.100.1]", false, ""},
		{"[IPv6:2001:db8::1]", false, ""},
		{"[ipv6:2001:db8::1]", false, ""},
		{"", true, "empty name"},
		{"198.51.100.1", true, "an address without brackets"},
		{"2001:db8::1", true, "an address without brackets"},
		{"[2001:db8::1]", true, "not a valid address literal"},
		{"[IPv6:198.51.100.1]", true, "not a valid address literal"},
		{"[198.51.100.1", true, "not a valid address literal"},
		{"[300.1.1.1]", true, "not a valid address literal"},
		{"[tag:anything]", true, "not a valid address literal"},
		{"[]", true, "not a valid address literal"},
		{"bad..name", true, "not a domain name"},
		{"-lead.example", true, "not a domain name"},
		{"trail-.example", true, "not a domain name"},
		{"sp ace", true, "not a domain name"},
		{"host.123", true, "numeric top-level label"},
		{"MAIL.example.com", true, "claims our name MAIL.example.com"},
		{"example.com", true, "claims our name example.com"},
		{"[192.0.2.25]", true, "claims our address [192.0.2.25]"},
		{"[IPv6:2001:DB8::25]", true, "claims our address [IPv6:2001:DB8::25]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bogus, why := CheckHELO(tc.name, ourNames, ourIPs)
			if bogus != tc.bogus || why != tc.why {
				t.Fatalf("CheckHELO = %v, %q; want %v, %q", bogus, why, tc.bogus, tc.why)
			}
		})
	}
	// A local client may call itself by our name (the caller passes none).
	if bogus, _ := CheckHELO("mail.example.com", nil, nil); bogus {
		t.Error("our name from a local client is bogus")
	}
}
