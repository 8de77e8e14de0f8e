package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// The list sections: numbered keys (Domain1, Item1, ...) read in file order,
// and [Scripts], keyed by address.

// maxLocalMX is the manual's limit on [LocalMX] entries.
const maxLocalMX = 100

var listReaders = map[string]func(ld *loader, key, v string) error{
	"Domains":    readDomain,
	"LocalMX":    readLocalMX,
	"EmailAlias": readAlias,
	"DNSBL":      readDNSBL,
	"RelayIPs":   readRelayIP,
	"Scripts":    readScript,
	"DKIM":       readDKIM,
	"Chaos":      readChaos, // chaos.go
}

// numbered reports whether key is prefix followed by a number ("Item12").
func numbered(key, prefix string) bool {
	if len(key) <= len(prefix) || !strings.EqualFold(key[:len(prefix)], prefix) {
		return false
	}
	_, ok := parseUint(key[len(prefix):])
	return ok
}

// listKey checks the key name of a numbered list entry and returns its
// value without a trailing comment; ok is false for an empty entry and for a
// key that is not prefix<N> (it has been warned about).
func (ld *loader) listKey(sec, prefix, key, v string) (string, bool) {
	if !numbered(key, prefix) {
		ld.warn("[%s] %q is not a known key (expected %s1, %s2, ...); it is ignored", sec, key, prefix, prefix)
		return "", false
	}
	v = cutComment(v)
	return v, v != "" // an empty entry is skipped
}

// firstSeen records that entry (of section sec) was set by key, and returns
// the key that set it before, if any.
func (ld *loader) firstSeen(sec, entry, key string) string {
	k := sec + "\x00" + entry
	if prev, ok := ld.seen[k]; ok {
		return prev
	}
	ld.seen[k] = key
	return ""
}

func readDomain(ld *loader, key, v string) error {
	ld.c.domainKeys = max(ld.c.domainKeys, domainKeyNumber(key))
	v, ok := ld.listKey("Domains", "Domain", key, v)
	if !ok {
		return nil
	}
	d, err := parseLocalDomain(v)
	if err != nil {
		return ld.valueErr("Domains", key, v, err)
	}
	if ld.firstSeen("Domains", d, key) == "" {
		ld.c.Domains = append(ld.c.Domains, d)
	}
	return nil
}

func readDNSBL(ld *loader, key, v string) error {
	v, ok := ld.listKey("DNSBL", "Item", key, v)
	if !ok {
		return nil
	}
	z, err := parseDomain(v)
	if err != nil {
		return ld.valueErr("DNSBL", key, v, expected("a DNSBL zone such as zen.spamhaus.org"))
	}
	if ld.firstSeen("DNSBL", z, key) == "" {
		ld.c.DNSBL = append(ld.c.DNSBL, z)
	}
	return nil
}

func readRelayIP(ld *loader, key, v string) error {
	v, ok := ld.listKey("RelayIPs", "Item", key, v)
	if !ok {
		return nil
	}
	p, err := parsePrefix(v)
	if err != nil {
		return ld.valueErr("RelayIPs", key, v, err)
	}
	if wideRelayRange(p) {
		ld.warnKey("RelayIPs", key, fmt.Sprintf("%s lets a very large part of the Internet relay without logging in (an open relay for it); list the LAN's range, such as 192.168.1.0/24", p))
	}
	ld.c.RelayIPs = append(ld.c.RelayIPs, p)
	return nil
}

// wideRelayRange reports whether p, a trusted relay range, is wider than any
// LAN: shorter than /8 for IPv4 (IPv4-mapped ranges counted as IPv4) or /16
// for IPv6.
func wideRelayRange(p netip.Prefix) bool {
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() {
		a, bits = a.Unmap(), bits-96
	}
	if a.Is4() {
		return bits < 8
	}
	return bits < 16
}

// parsePrefix reads an IP address (a range of one) or a CIDR range.
func parsePrefix(v string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return netip.Prefix{}, expected("an IP address or a CIDR range such as 192.168.1.0/24")
	}
	return p.Masked(), nil
}

// readLocalMX reads "domain,host[:port]" or "domain,host,port". Domain "*"
// is the catch-all for domains not listed; host "*" means "look the domain
// up in DNS", which takes no port (the MX found listens on 25).
func readLocalMX(ld *loader, key, v string) error {
	v, ok := ld.listKey("LocalMX", "Item", key, v)
	if !ok {
		return nil
	}
	r, policy, err := parseMXRouteTLS(v)
	if err != nil {
		return ld.valueErr("LocalMX", key, v, err)
	}
	if prev := ld.firstSeen("LocalMX", r.Domain, key); prev != "" {
		return ld.valueErr("LocalMX", key, v, expected("a domain not routed already (%s routes %s)", prev, r.Domain))
	}
	if len(ld.c.LocalMX) == maxLocalMX {
		return ld.valueErr("LocalMX", key, v, expected("at most %d entries; use MX=Remote (DNS) for more", maxLocalMX))
	}
	ld.c.LocalMX = append(ld.c.LocalMX, r)
	ld.c.TLS.setRoutePolicy(r.Domain, policy)
	return nil
}

func parseMXRoute(v string) (MXRoute, error) {
	bad := expected("domain,host[:port] (or domain,host,port; * as the domain for all others, *,* for DNS)")
	parts := strings.Split(v, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) < 2 || len(parts) > 3 {
		return MXRoute{}, bad
	}
	r := MXRoute{Domain: "*", Host: "*", Port: 25}
	if parts[0] != "*" {
		d, err := parseLocalDomain(parts[0])
		if err != nil {
			return MXRoute{}, bad
		}
		r.Domain = d
	}
	if parts[1] == "*" || strings.HasPrefix(parts[1], "*:") {
		if len(parts) == 3 || parts[1] != "*" {
			return MXRoute{}, expected("no port after * (the MX host that DNS names listens on 25)")
		}
		return r, nil
	}
	hostport := parts[1]
	if len(parts) == 3 {
		if _, err := parsePort(parts[2]); err != nil {
			return MXRoute{}, err
		}
		hostport = net.JoinHostPort(strings.Trim(parts[1], "[]"), parts[2])
	}
	hp, err := parseHostPort(hostport, 25)
	if err != nil {
		return MXRoute{}, bad
	}
	host, port, _ := net.SplitHostPort(hp)
	r.Host = host
	r.Port, _ = strconv.Atoi(port)
	return r, nil
}

// readAlias reads "alias,real": spaces around the comma do not matter, and
// the alias may be a bare name (postmaster) that applies at every local
// domain.
func readAlias(ld *loader, key, v string) error {
	v, ok := ld.listKey("EmailAlias", "Item", key, v)
	if !ok {
		return nil
	}
	a, err := parseAlias(v)
	if err != nil {
		return ld.valueErr("EmailAlias", key, v, err)
	}
	if prev := ld.firstSeen("EmailAlias", a.From, key); prev != "" {
		return ld.valueErr("EmailAlias", key, v, expected("an alias not defined already (%s defines %s)", prev, a.From))
	}
	ld.c.Aliases = append(ld.c.Aliases, a)
	return nil
}

func parseAlias(v string) (Alias, error) {
	from, rest, ok := strings.Cut(v, ",")
	if !ok {
		return Alias{}, expected("alias,real-address such as sales@example.com,jim@example.com")
	}
	f, err := parseAliasName(strings.TrimSpace(from))
	if err != nil {
		return Alias{}, err
	}
	targets, err := parseTargets(rest)
	if err != nil {
		return Alias{}, err
	}
	a := Alias{From: f, To: targets[0]}
	if len(targets) > 1 {
		a.Also = targets[1:]
	}
	return a, nil
}

// checkAliasLoops refuses aliases that lead back to themselves, which would
// file a message round and round: a chain, or a group with itself among its
// members, at any depth. A bare alias matches its name at every local
// domain.
func (ld *loader) checkAliasLoops() error {
	c := ld.c
	next := map[string][]string{}
	for _, a := range c.Aliases {
		next[a.From] = a.Targets()
	}
	step := func(addr string) []string {
		if to, ok := next[addr]; ok {
			return to
		}
		local, domain, _ := strings.Cut(addr, "@")
		if c.LocalDomain(domain) {
			return next[local]
		}
		return nil
	}
	// A depth-first walk: an address on the current path again is a loop;
	// one whose targets were all walked already (done) is not walked twice,
	// so groups that share members cost no more than the entries.
	done := map[string]bool{}
	var walk func(addr string, path []string, on map[string]bool) []string
	walk = func(addr string, path []string, on map[string]bool) []string {
		for _, to := range step(addr) {
			if on[to] {
				return append(path, to)
			}
			if done[to] {
				continue
			}
			on[to] = true
			if loop := walk(to, append(path, to), on); loop != nil {
				return loop
			}
			delete(on, to)
		}
		done[addr] = true
		return nil
	}
	for _, a := range c.Aliases {
		if loop := walk(a.From, []string{a.From}, map[string]bool{a.From: true}); loop != nil {
			return fmt.Errorf("%s: [EmailAlias] aliases form a loop: %s", ld.file, strings.Join(loop, " -> "))
		}
	}
	return nil
}

// readScript reads [Scripts] (Enabled is a row of the table): "*" (the system script, run for every
// delivery) and address=path. Script paths resolve against the INI's folder.
func readScript(ld *loader, key, v string) error {
	if key != "*" && !strings.Contains(key, "@") {
		ld.unknownKey("Scripts", key)
		return nil
	}
	p, err := resolvePath(ld.base, v)
	if err == nil && p == "" {
		return nil // an empty entry is skipped
	}
	if err != nil {
		return ld.valueErr("Scripts", key, v, err)
	}
	if key == "*" {
		ld.c.Scripts.System = p
		return nil
	}
	addr, err := parseAddress(key)
	if err != nil {
		return ld.valueErr("Scripts", key, v, expected("an address as the key, such as admin@example.com=path"))
	}
	if ld.c.Scripts.PerUser == nil {
		ld.c.Scripts.PerUser = map[string]string{}
	}
	ld.c.Scripts.PerUser[addr] = p
	return nil
}
