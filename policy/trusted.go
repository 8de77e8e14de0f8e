package policy

import "net/netip"

// Trusted is the set of [RelayIPs] ranges: clients there may relay without
// authenticating (printers, scanners, application servers on the LAN), and
// the DNSBL and the per-IP limits skip them.
//
// Loopback is not trusted for relaying unless listed: a program on the
// server itself (a web form, a proxy, a tunnel) would otherwise turn mailq
// into an open relay for whoever reaches that program. Loopback is only
// exempt from the DNSBL and, by default, from the per-IP limits.
type Trusted struct {
	set prefixSet
}

// NewTrusted returns the set of the given ranges (single addresses are /32
// or /128 ranges). IPv4-mapped ranges are taken as IPv4.
func NewTrusted(prefixes []netip.Prefix) *Trusted {
	t := &Trusted{}
	for i, p := range prefixes {
		if p.IsValid() {
			t.set.add(normalize(p), i)
		}
	}
	return t
}

// Contains reports whether ip is in one of the ranges. A nil Trusted
// contains nothing.
func (t *Trusted) Contains(ip netip.Addr) bool {
	if t == nil {
		return false
	}
	_, ok := t.set.lookup(ip)
	return ok
}
