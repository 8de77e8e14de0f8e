package mxa

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"mailq/config"
	"mailq/resolve"
)

// Resolver is the DNS the agent asks: *resolve.Resolver, or a fake in tests.
type Resolver interface {
	LookupMX(ctx context.Context, domain string) ([]resolve.MX, error)
	LookupIP(ctx context.Context, host string) ([]netip.Addr, error)
}

// target is one server to try for a destination.
type target struct {
	host   string // a name or an IP address
	port   int
	static bool // from the configuration (Gateway, [LocalMX]), not from DNS
	login  bool // log in with GatewayUser (the gateway or the catch-all host)
	tls    tlsMode
}

// plan says how to reach one destination: the servers to try in order, or
// why there are none.
type plan struct {
	key      string // recipients with the same key share a transaction
	targets  []target
	implicit bool // the domain has no MX: its own address is the target (RFC 5321 §5.1)
	err      *Reply
}

// router finds the servers for a recipient domain by the MX mode.
type router struct {
	mode     config.MXMode
	gateway  string
	table    map[string]config.MXRoute // [LocalMX] by domain; "*" is the catch-all
	dns      Resolver
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error) // for configured names
	timeouts Timeouts
	self     *self
	mxPort   int // 25; tests point DNS routes at their own port
	tls      routeTLS
}

func newRouter(mode config.MXMode, gateway string, localMX []config.MXRoute, dns Resolver, t Timeouts, me *self) *router {
	r := &router{mode: mode, gateway: gateway, table: map[string]config.MXRoute{}, dns: dns, timeouts: t, self: me, mxPort: 25,
		tls: newRouteTLS(config.MXA{}, config.TLS{})}
	for _, e := range localMX {
		r.table[strings.ToLower(e.Domain)] = e
	}
	r.lookup = r.systemLookup
	return r
}

// route returns the plan for domain (lower case).
func (r *router) route(ctx context.Context, domain string) plan {
	switch r.mode {
	case config.MXGateway:
		host, port := splitHostPort(r.gateway, 25)
		return r.static(target{host: host, port: port, static: true, login: true, tls: r.tls.forStatic("", port)})
	case config.MXLocal:
		e, ok := r.table[domain]
		catchAll, entry := false, domain
		if !ok {
			e, ok = r.table["*"]
			catchAll, entry = true, "*"
		}
		switch {
		case !ok:
			// No entry and no catch-all: the table cannot route it. The
			// administrator may add one, so the mail waits.
			return plan{key: "none:" + domain, err: local("4.4.4", "no [LocalMX] entry for %s and no * entry", domain)}
		case e.Host == "*":
			return withTLS(r.mx(ctx, domain), r.tls.forEntry(entry))
		}
		return r.static(target{host: e.Host, port: e.Port, static: true, login: catchAll, tls: r.tls.forStatic(entry, e.Port)})
	case config.MXRemote:
		return withTLS(r.mx(ctx, domain), r.tls.forDNS())
	}
	return plan{key: "none", err: local("4.4.4", "no MX mode is set ([MXA] MX=)")}
}

func (r *router) static(t target) plan {
	// Entries for one host with different TLS policies must not share a
	// session: the key names the policy too.
	return plan{key: "host:" + net.JoinHostPort(t.host, strconv.Itoa(t.port)) + " tls=" + t.tls.policy.String(), targets: []target{t}}
}

// mx looks up the mail exchangers of domain (RFC 5321 §5.1).
func (r *router) mx(ctx context.Context, domain string) plan {
	key := "mx:" + domain
	if lit, ok := addressLiteral(domain); ok {
		// user@[192.0.2.1]: that host, no lookup (RFC 5321 §4.1.3).
		return plan{key: key, targets: []target{{host: lit.String(), port: r.mxPort}}}
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeouts.Lookup)
	defer cancel()
	mxs, err := r.dns.LookupMX(ctx, domain)
	switch {
	case errors.Is(err, resolve.ErrNoMX):
		// No MX records: the domain itself is the implicit MX (§5.1).
		return plan{key: key, targets: []target{{host: domain, port: r.mxPort}}, implicit: true}
	case errors.Is(err, resolve.ErrNullMX):
		return plan{key: key, err: &Reply{Code: 556, Enh: "5.1.10", Lines: []string{domain + " accepts no mail (null MX, RFC 7505)"}}}
	case errors.Is(err, resolve.ErrNXDomain):
		return plan{key: key, err: local("5.1.2", "domain %s does not exist", domain)}
	case errors.Is(err, resolve.ErrBadName):
		return plan{key: key, err: local("5.1.2", "%s is not a valid domain name", domain)}
	case err != nil:
		return plan{key: key, err: local("4.4.3", "cannot look up the MX of %s: %v", domain, err)}
	}
	p := plan{key: key}
	for _, m := range mxs {
		p.targets = append(p.targets, target{host: m.Host, port: r.mxPort})
	}
	return p
}

// addrs returns the addresses of t, and the reason when there are none. An MX
// host without addresses is a temporary failure (its owner may fix it); the
// implicit MX without any is permanent: the domain takes no mail.
func (r *router) addrs(ctx context.Context, t target, implicit bool) ([]netip.Addr, *Reply) {
	if ip, err := netip.ParseAddr(t.host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeouts.Lookup)
	defer cancel()
	var ips []netip.Addr
	var err error
	if t.static {
		ips, err = r.lookup(ctx, t.host)
	} else {
		ips, err = r.dns.LookupIP(ctx, t.host)
	}
	if err == nil && len(ips) > 0 {
		return ips, nil
	}
	var re *resolve.Error
	temporary := !errors.As(err, &re) || re.Temporary()
	if implicit && !temporary {
		return nil, local("5.1.2", "%s has neither MX nor address records", t.host)
	}
	return nil, local("4.4.3", "cannot find the address of %s: %v", t.host, err)
}

// systemLookup resolves a configured host name as the system does (hosts
// file, the LAN's DNS), as the manual's "DNS or NETBIOS name" expects; when
// that fails it asks the configured DNS.
func (r *router) systemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) > 0 {
		for i := range ips {
			ips[i] = ips[i].Unmap()
		}
		return ips, nil
	}
	if dips, derr := r.dns.LookupIP(ctx, host); derr == nil {
		return dips, nil
	}
	return nil, err
}

// addressLiteral reads a domain of the form [192.0.2.1] or [IPv6:2001:db8::1]
// (RFC 5321 §4.1.3).
func addressLiteral(domain string) (netip.Addr, bool) {
	if len(domain) < 3 || domain[0] != '[' || domain[len(domain)-1] != ']' {
		return netip.Addr{}, false
	}
	s := domain[1 : len(domain)-1]
	if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
		ip, err := netip.ParseAddr(s[5:])
		return ip, err == nil && ip.Is6()
	}
	ip, err := netip.ParseAddr(s)
	return ip, err == nil && ip.Is4()
}

// splitHostPort reads host[:port] (as config writes it: [v6]:port).
func splitHostPort(hp string, def int) (string, int) {
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return strings.Trim(hp, "[]"), def
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return host, def
	}
	return host, n
}

// domainOf returns the lower-case domain of an address (after the last @).
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}

// self knows the addresses and names of our own SMTP server, so the agent
// never delivers to itself.
type self struct {
	ports map[int]bool
	addrs map[netip.AddrPort]bool // listening addresses; an unspecified one is expanded
	any   map[int]bool            // ports listened on at every address
	names map[string]bool         // HostName and the local domains, lower case
	local func(domain string) bool
}

func newSelf(listen []netip.AddrPort, hostName string, localDomain func(string) bool) *self {
	s := &self{ports: map[int]bool{}, addrs: map[netip.AddrPort]bool{}, any: map[int]bool{},
		names: map[string]bool{strings.ToLower(hostName): true}, local: localDomain}
	for _, ap := range listen {
		if ap.Port() == 0 {
			continue
		}
		port := int(ap.Port())
		s.ports[port] = true
		if ap.Addr().IsUnspecified() {
			s.any[port] = true
			continue
		}
		s.addrs[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
	}
	return s
}

// isAddr reports whether connecting to ip:port reaches our own server.
func (s *self) isAddr(ip netip.Addr, port int) bool {
	ip = ip.Unmap()
	if s.addrs[netip.AddrPortFrom(ip, uint16(port))] {
		return true
	}
	return s.any[port] && (ip.IsLoopback() || ip.IsUnspecified() || localInterface(ip))
}

// isName reports whether host:port names our own server: HostName or one of
// our domains, on a port we listen on.
func (s *self) isName(host string, port int) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return s.ports[port] && (s.names[h] || (s.local != nil && s.local(h)))
}

// localInterface reports whether ip is an address of this machine.
func localInterface(ip netip.Addr) bool {
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range ifaddrs {
		if n, ok := a.(*net.IPNet); ok {
			if x, ok := netip.AddrFromSlice(n.IP); ok && x.Unmap() == ip {
				return true
			}
		}
	}
	return false
}
