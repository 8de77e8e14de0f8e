package policy

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
)

// prefixSet answers "which entry covers this address" with one map look-up
// per distinct prefix length in use, whatever the number of entries: an
// ipblock.txt of thousands of single addresses and a few ranges costs two or
// three look-ups.
type prefixSet struct {
	entries map[netip.Prefix]int // masked prefix → index of its first entry
	lens    [2][]int             // distinct lengths for IPv4 [0] and IPv6 [1], longest first
}

func (s *prefixSet) add(p netip.Prefix, idx int) {
	if s.entries == nil {
		s.entries = map[netip.Prefix]int{}
	}
	if _, dup := s.entries[p]; dup {
		return
	}
	s.entries[p] = idx
	fam := family(p.Addr())
	if !slices.Contains(s.lens[fam], p.Bits()) {
		s.lens[fam] = append(s.lens[fam], p.Bits())
		slices.SortFunc(s.lens[fam], func(a, b int) int { return b - a })
	}
}

// lookup returns the index of an entry containing ip, most specific first.
func (s *prefixSet) lookup(ip netip.Addr) (int, bool) {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return 0, false
	}
	for _, bits := range s.lens[family(ip)] {
		p, err := ip.Prefix(bits)
		if err != nil {
			continue
		}
		if idx, ok := s.entries[p]; ok {
			return idx, true
		}
	}
	return 0, false
}

func (s *prefixSet) len() int { return len(s.entries) }

func family(ip netip.Addr) int {
	if ip.Is4() {
		return 0
	}
	return 1
}

// Errors of parseLine.
var (
	errNotAddress = errors.New("not an IP address or CIDR range")
	errExtra      = errors.New("text after the address (start comments with #)")
)

// parseLine reads one line of ipblock.txt: an IPv4 or IPv6 address or CIDR
// range, optionally followed by a "#" comment. Blank and comment-only lines
// give ok false and no error. IPv4-mapped IPv6 addresses are taken as IPv4,
// a zone is dropped, and host bits of a range are cleared ("10.1.2.3/8" is
// 10.0.0.0/8), as a reader would mean it.
func parseLine(line string) (p netip.Prefix, ok bool, err error) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(strings.TrimPrefix(line, "\uFEFF")) // a BOM from Notepad
	if len(fields) == 0 {
		return netip.Prefix{}, false, nil
	}
	p, err = parsePrefix(fields[0])
	switch {
	case err != nil:
		return netip.Prefix{}, false, err
	case len(fields) > 1:
		return netip.Prefix{}, false, errExtra
	}
	return p, true, nil
}

// parsePrefix parses an address or CIDR range into a masked prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	addr, bits, isRange := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, errNotAddress
	}
	ip = ip.WithZone("")
	if !isRange {
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	p, err := netip.ParsePrefix(ip.String() + "/" + bits)
	if err != nil {
		return netip.Prefix{}, errNotAddress
	}
	return normalize(p), nil
}

// normalize clears host bits and turns an IPv4-mapped range into the IPv4
// range it covers (::ffff:10.0.0.0/104 is 10.0.0.0/8), so that look-ups of
// unmapped addresses find it.
func normalize(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked()
}
