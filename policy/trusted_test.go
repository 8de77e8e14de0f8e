package policy

import (
	"net/netip"
	"testing"
)

func TestTrusted(t *testing.T) {
	t.Parallel()
	tr := NewTrusted([]netip.Prefix{
		netip.MustParsePrefix("192.168.1.0/24"),
		netip.MustParsePrefix("10.0.0.5/32"),
		netip.MustParsePrefix("10.9.9.9/16"), // host bits set
		netip.MustParsePrefix("::ffff:172.16.0.0/108"),
		netip.MustParsePrefix("2001:db8:1::/48"),
	})
	tests := []struct {
		ip   string
		want bool
	}{
		{"192.168.1.77", true},
		{"::ffff:192.168.1.77", true},
		{"192.168.2.1", false},
		{"10.0.0.5", true},
		{"10.0.0.6", false},
		{"10.9.0.1", true},
		{"172.16.5.5", true},
		{"2001:db8:1:2::3", true},
		{"2001:db8:2::3", false},
		// Loopback is not trusted for relaying unless listed.
		{"127.0.0.1", false},
		{"::1", false},
	}
	for _, tc := range tests {
		if got := tr.Contains(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("Contains(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
	var none *Trusted
	if none.Contains(netip.MustParseAddr("192.168.1.1")) {
		t.Error("nil Trusted contains an address")
	}
}
