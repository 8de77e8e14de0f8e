package msgauth

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve"
)

// Bounds of the answer cache.
const (
	maxCacheTTL     = time.Hour // a longer TTL is cut to this
	maxCacheEntries = 10000     // past this, the cache is emptied and starts again
)

// Querier asks one DNS question; *resolve.Resolver is one.
type Querier interface {
	Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error)
}

// cachedDNS answers the libraries' lookups from a Querier, keeping each
// answer (positive or negative) for its TTL (RFC 2308 §5 for negative ones);
// temporary failures are not kept. Its errors are *net.DNSError values,
// which the libraries test to tell temperror from permerror and "no record".
// It is safe for concurrent use.
type cachedDNS struct {
	q   Querier
	now func() time.Time

	mu      sync.Mutex
	entries map[cacheKey]cacheEntry
}

type cacheKey struct {
	name  string
	qtype uint16
}

type cacheEntry struct {
	resp    *dns.Msg
	err     error
	expires time.Time
}

func newCachedDNS(q Querier) *cachedDNS {
	return &cachedDNS{q: q, now: time.Now, entries: map[cacheKey]cacheEntry{}}
}

// query returns the answer to (name, qtype) from the cache or the Querier.
// A NODATA answer is returned as resp with no records of qtype.
func (c *cachedDNS) query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	k := cacheKey{strings.ToLower(strings.TrimSuffix(name, ".")), qtype}
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.resp, e.err
	}
	resp, err := c.q.Query(ctx, name, qtype)
	if ttl, keep := cacheTTL(resp, err); keep {
		c.mu.Lock()
		if len(c.entries) >= maxCacheEntries {
			clear(c.entries)
		}
		c.entries[k] = cacheEntry{resp: resp, err: err, expires: now.Add(ttl)}
		c.mu.Unlock()
	}
	return resp, err
}

// cacheTTL is how long an answer may be kept: the smallest TTL of its
// records, or for NXDOMAIN and NODATA the SOA's negative TTL (RFC 2308 §5).
func cacheTTL(resp *dns.Msg, err error) (time.Duration, bool) {
	if resp == nil || (err != nil && !errors.Is(err, resolve.ErrNXDomain)) {
		return 0, false
	}
	var ttl uint32
	found := false
	for _, rr := range resp.Answer {
		if h := rr.Header(); !found || h.Ttl < ttl {
			ttl, found = h.Ttl, true
		}
	}
	if len(resp.Answer) == 0 {
		for _, rr := range resp.Ns {
			if soa, ok := rr.(*dns.SOA); ok {
				ttl, found = min(soa.Hdr.Ttl, soa.Minttl), true
			}
		}
	}
	if !found || ttl == 0 {
		return 0, false
	}
	return min(time.Duration(ttl)*time.Second, maxCacheTTL), true
}

// netError turns a resolve error into the *net.DNSError the libraries
// understand: not found (no record: SPF none, no DKIM key, no DMARC
// policy), temporary (temperror) or other (permerror).
func netError(name string, err error) error {
	de := &net.DNSError{Err: err.Error(), Name: name}
	var e *resolve.Error
	if errors.As(err, &e) {
		de.IsTimeout = e.Timeout()
		de.IsTemporary = e.Temporary()
		de.IsNotFound = errors.Is(err, resolve.ErrNXDomain) || errors.Is(err, resolve.ErrNoData)
	} else {
		de.IsTemporary = true // a context ended, or something unforeseen
	}
	return de
}

// notFound is the error for an answer with no records of the type asked.
func notFound(name string) error {
	return &net.DNSError{Err: "no such record", Name: name, IsNotFound: true}
}

// LookupTXT implements spf.DNSResolver; its strings are joined per record.
func (c *cachedDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	resp, err := c.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, netError(name, err)
	}
	txts := resolve.TXTStrings(resp)
	if len(txts) == 0 {
		return nil, notFound(name)
	}
	return txts, nil
}

// LookupMX implements spf.DNSResolver.
func (c *cachedDNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	resp, err := c.query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, netError(name, err)
	}
	var mxs []*net.MX
	for _, rr := range resp.Answer {
		if mx, ok := rr.(*dns.MX); ok {
			mxs = append(mxs, &net.MX{Host: mx.Mx, Pref: mx.Preference})
		}
	}
	if len(mxs) == 0 {
		return nil, notFound(name)
	}
	return mxs, nil
}

// LookupIPAddr implements spf.DNSResolver: the A and then the AAAA
// records; a temporary failure of either is the answer's.
func (c *cachedDNS) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		resp, err := c.query(ctx, host, qt)
		if err != nil {
			if errors.Is(err, resolve.ErrNXDomain) {
				return nil, netError(host, err)
			}
			var e *resolve.Error
			if !errors.As(err, &e) || e.Temporary() {
				return nil, netError(host, err)
			}
			continue
		}
		for _, rr := range resp.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				out = append(out, net.IPAddr{IP: rr.A})
			case *dns.AAAA:
				out = append(out, net.IPAddr{IP: rr.AAAA})
			}
		}
	}
	if len(out) == 0 {
		return nil, notFound(host)
	}
	return out, nil
}

// LookupAddr implements spf.DNSResolver: the PTR names of an address.
func (c *cachedDNS) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: "not an IP address", Name: addr}
	}
	rev, err := dns.ReverseAddr(ip.String())
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: addr}
	}
	resp, err := c.query(ctx, rev, dns.TypePTR)
	if err != nil {
		return nil, netError(addr, err)
	}
	var names []string
	for _, rr := range resp.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			names = append(names, p.Ptr)
		}
	}
	if len(names) == 0 {
		return nil, notFound(addr)
	}
	return names, nil
}

// txtFunc is a context-less LookupTXT for the dkim and dmarc packages,
// bounded by ctx.
func (c *cachedDNS) txtFunc(ctx context.Context) func(string) ([]string, error) {
	return func(name string) ([]string, error) { return c.LookupTXT(ctx, name) }
}
