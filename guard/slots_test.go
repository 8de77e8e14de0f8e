package guard

import (
	"net/netip"
	"testing"

	"mailq/config"
)

// TestSlotExempt checks who may take any free session slot: loopback and
// [RelayIPs], unless LimitLocal; never an outside address.
func TestSlotExempt(t *testing.T) {
	t.Parallel()
	trusted := func(c *config.Config) { c.RelayIPs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} }
	e := newEnv(t, trusted)
	strict := newEnv(t, func(c *config.Config) { trusted(c); c.Abuse.LimitLocal = true })
	for _, tc := range []struct {
		ip             string
		exempt, strict bool
	}{
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"10.1.2.3", true, false},
		{"::ffff:10.1.2.3", true, false},
		{"192.0.2.1", false, false},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if got := e.smtp().SlotExempt(ip); got != tc.exempt {
			t.Errorf("SMTP SlotExempt(%s) = %v, want %v", tc.ip, got, tc.exempt)
		}
		if got := e.pop3().SlotExempt(ip); got != tc.exempt {
			t.Errorf("POP3 SlotExempt(%s) = %v, want %v", tc.ip, got, tc.exempt)
		}
		if got := strict.smtp().SlotExempt(ip); got != tc.strict {
			t.Errorf("LimitLocal: SlotExempt(%s) = %v, want %v", tc.ip, got, tc.strict)
		}
	}
}
