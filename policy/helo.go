package policy

import (
	"net/netip"
	"strings"
)

// CheckHELO looks at the name a client gave in HELO or EHLO, for
// HELOCheck=tag|refuse. It is bogus when it is neither a domain name nor an
// address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321 §4.1.3), or
// when it claims to be this server: one of ourNames (HostName, HostDomain,
// [Domains]; any case, a trailing dot ignored) or, as a literal, one of
// ourIPs. The caller passes ourNames and ourIPs only for clients that are not
// local (a program on the server itself may well say it is the server).
//
// Leniency where real clients differ from the grammar: a trailing dot and
// underscores (Windows machine names) are accepted. Bare addresses
// ("192.0.2.1" without brackets) and all-digit top-level labels are bogus:
// they are no host name (RFC 3696 §2), and spam software sends them.
func CheckHELO(name string, ourNames []string, ourIPs []netip.Addr) (bogus bool, why string) {
	if name == "" {
		return true, "empty name"
	}
	if name[0] == '[' {
		ip, ok := parseLiteral(name)
		if !ok {
			return true, "not a valid address literal"
		}
		for _, our := range ourIPs {
			if our.Unmap().WithZone("") == ip {
				return true, "claims our address " + name
			}
		}
		return false, ""
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true, "an address without brackets"
	}
	if why := checkDomain(name); why != "" {
		return true, why
	}
	host := strings.TrimSuffix(name, ".")
	for _, our := range ourNames {
		if our != "" && strings.EqualFold(host, strings.TrimSuffix(our, ".")) {
			return true, "claims our name " + host
		}
	}
	return false, ""
}

// parseLiteral parses an RFC 5321 §4.1.3 address literal; the general
// literal form (another tag) is refused, since none is defined.
func parseLiteral(s string) (netip.Addr, bool) {
	if len(s) < 3 || s[len(s)-1] != ']' {
		return netip.Addr{}, false
	}
	inner := s[1 : len(s)-1]
	if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
		ip, err := netip.ParseAddr(inner[5:])
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return netip.Addr{}, false
		}
		return ip.Unmap(), true
	}
	ip, err := netip.ParseAddr(inner)
	if err != nil || !ip.Is4() {
		return netip.Addr{}, false
	}
	return ip, true
}

// checkDomain returns why name is not a usable domain name, or "".
func checkDomain(name string) string {
	host := strings.TrimSuffix(name, ".")
	if host == "" || len(host) > 253 {
		return "not a domain name"
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "not a domain name"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "not a domain name"
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return "numeric top-level label"
	}
	return ""
}
