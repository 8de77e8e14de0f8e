// Package dnsbl checks a client's IP address against DNS block lists
// ([DNSBL] ItemN zones, DNSBLEnabled) as RFC 5782 describes: the address,
// reversed (IPv4 octets, IPv6 nibbles), is looked up under each zone in the
// configured order, stopping at the first zone that lists it. Answers, listed
// and not listed, are cached for their TTL (within a floor and a ceiling) in
// a cache of bounded size.
//
// A check never holds a session beyond its limits: each zone gets
// Options.Timeout (2 s by default) and all zones together Options.Total; a
// zone that does not answer in time is skipped and named in Result.Skipped
// so the server can log it. Loopback addresses and the caller's trusted
// ranges are never looked up.
//
// The package owns the lookups, the cache and the text of the refusal. It
// must not decide what a server does with a listed client, write files, or
// log: the server refuses and logs using the Result.
package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"mailq/resolve"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout   = 2 * time.Second
	DefaultTotal     = 5 * time.Second
	DefaultCacheSize = 10000
	DefaultMinTTL    = time.Minute
	DefaultMaxTTL    = time.Hour
)

// ErrBadZone: a configured zone is not a domain name.
var ErrBadZone = errors.New("dnsbl: not a DNS zone")

// Options tune a Checker. Zero fields take the defaults above.
type Options struct {
	// Timeout is how long one zone may take (its A and TXT lookups).
	Timeout time.Duration
	// Total is how long one Check may take over all zones.
	Total time.Duration
	// Trusted ranges ([RelayIPs]) are never looked up, like loopback.
	Trusted []netip.Prefix
	// CacheSize is the most (zone, address) answers kept.
	CacheSize int
	// MinTTL and MaxTTL bound how long an answer is kept, whatever its TTL.
	MinTTL, MaxTTL time.Duration
	// Now is the clock of the cache; nil means time.Now.
	Now func() time.Time
}

// Checker looks addresses up in DNS block lists. It is safe for concurrent
// use.
type Checker struct {
	zones []string // lower case, without trailing dot
	r     *resolve.Resolver
	opt   Options

	mu    sync.Mutex
	cache map[cacheKey]answer
	down  map[string]time.Time // zone → until when it is not asked (it did not answer)
}

// DownFor is how long a zone that did not answer in time is skipped without
// being asked: a dead list must not cost every connection its time limit.
const DownFor = time.Minute

// HeldBack begins the Skipped note of a zone held back after a time-out; the
// time-out itself was noted when it happened, so servers need not log it
// again for every connection.
const HeldBack = "did not answer lately"

type cacheKey struct {
	zone string
	ip   netip.Addr
}

// answer is what a zone said about an address.
type answer struct {
	listed  bool
	code    netip.Addr // the A record of a listing
	reason  string     // its TXT record, sanitised
	expires time.Time
}

// Result is the outcome of a Check.
type Result struct {
	IP     netip.Addr // the address checked (IPv4-mapped addresses unmapped)
	Listed bool
	Zone   string     // the zone that lists IP
	Code   netip.Addr // the A record it answered (127.0.0.2 ...)
	Reason string     // its TXT record, one printable line; "" if none
	// Skipped notes the zones not consulted, "zone: why", for the log.
	Skipped []string
}

// New returns a Checker for zones, asked in order through r.
func New(zones []string, r *resolve.Resolver, opt Options) (*Checker, error) {
	c := &Checker{r: r, opt: opt, cache: map[cacheKey]answer{}, down: map[string]time.Time{}}
	for _, z := range zones {
		z = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(z), "."))
		if !validZone(z) {
			return nil, fmt.Errorf("%w: %q", ErrBadZone, z)
		}
		c.zones = append(c.zones, z)
	}
	c.opt.Trusted = nil
	for _, p := range opt.Trusted {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96) // ::ffff:10.0.0.0/104 is 10.0.0.0/8
		}
		c.opt.Trusted = append(c.opt.Trusted, p.Masked())
	}
	setDefault(&c.opt.Timeout, DefaultTimeout)
	setDefault(&c.opt.Total, DefaultTotal)
	setDefault(&c.opt.MinTTL, DefaultMinTTL)
	setDefault(&c.opt.MaxTTL, DefaultMaxTTL)
	if c.opt.CacheSize <= 0 {
		c.opt.CacheSize = DefaultCacheSize
	}
	if c.opt.Now == nil {
		c.opt.Now = time.Now
	}
	return c, nil
}

// validZone reports whether z is a domain name of letters, digits, hyphens
// and underscores, short enough that the 64 characters of a reversed IPv6
// address still fit in a name (RFC 1035 §2.3.4: 255 octets).
func validZone(z string) bool {
	if z == "" || len(z) > 180 {
		return false
	}
	for _, label := range strings.Split(z, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// Exempt reports whether ip is never looked up: loopback or trusted.
func (c *Checker) Exempt(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return true
	}
	for _, p := range c.opt.Trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Check looks ip up under each zone in order and stops at the first that
// lists it. DNS failures are not errors: the zone is skipped and noted in
// Result.Skipped, and the client is treated as not listed by it. The error
// is non-nil only when ctx ended before the check did (the session is going
// away); Result then holds what was learnt.
func (c *Checker) Check(ctx context.Context, ip netip.Addr) (Result, error) {
	ip = ip.Unmap().WithZone("")
	res := Result{IP: ip}
	if !ip.IsValid() || c.Exempt(ip) {
		return res, nil
	}
	// The total limit starts at the first zone not cached: a check answered
	// from the cache costs no timer.
	var tctx context.Context
	for _, zone := range c.zones {
		a, ok := c.cached(zone, ip)
		if !ok {
			if tctx == nil {
				var cancel context.CancelFunc
				tctx, cancel = context.WithTimeout(ctx, c.opt.Total)
				defer cancel()
			}
			if until, down := c.isDown(zone); down {
				res.Skipped = append(res.Skipped, zone+": "+HeldBack+"; not asked until "+until.Format(time.TimeOnly))
				continue
			}
			var why string
			var timedOut bool
			if a, why, timedOut = c.lookup(tctx, zone, ip); why != "" {
				if timedOut && ctx.Err() == nil {
					c.markDown(zone)
				}
				res.Skipped = append(res.Skipped, zone+": "+why)
				continue
			}
		}
		if a.listed {
			res.Listed, res.Zone, res.Code, res.Reason = true, zone, a.code, a.reason
			break
		}
	}
	return res, ctx.Err()
}

// isDown reports whether zone is being skipped after a time-out, and until
// when.
func (c *Checker) isDown(zone string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.down[zone]
	return until, ok && c.opt.Now().Before(until)
}

// markDown skips zone for DownFor.
func (c *Checker) markDown(zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[zone] = c.opt.Now().Add(DownFor)
}

// Name returns the name looked up for ip under zone (RFC 5782 §2.1, §2.4):
// 4.3.2.1.zone for 1.2.3.4, and the 32 nibbles of an IPv6 address in
// reverse order.
func Name(ip netip.Addr, zone string) string {
	ip = ip.Unmap()
	var b strings.Builder
	if ip.Is4() {
		a := ip.As4()
		for i := 3; i >= 0; i-- {
			fmt.Fprintf(&b, "%d.", a[i])
		}
	} else {
		const hex = "0123456789abcdef"
		a := ip.As16()
		for i := 15; i >= 0; i-- {
			b.WriteByte(hex[a[i]&0xf])
			b.WriteByte('.')
			b.WriteByte(hex[a[i]>>4])
			b.WriteByte('.')
		}
	}
	b.WriteString(zone)
	return b.String()
}
