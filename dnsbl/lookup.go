package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve"
)

var (
	// listing is where RFC 5782 §2.1 puts the A records of listed entries.
	listing = netip.MustParsePrefix("127.0.0.0/8")
	// refusal is where Spamhaus and others answer "not a listing but an
	// error" (127.255.255.252 typo in the zone name, .254 query through a
	// public resolver, .255 too many queries). Taking those for listings
	// would refuse every client; they mean "this zone is unusable now".
	refusal = netip.MustParsePrefix("127.255.255.0/24")
)

// minZoneTime is the least time worth giving a zone: with less left of the
// check's total, the zone is skipped without asking.
const minZoneTime = 10 * time.Millisecond

// lookup asks zone about ip within the per-zone time limit and caches the
// answer. why is non-empty when the zone gave no usable answer.
func (c *Checker) lookup(ctx context.Context, zone string, ip netip.Addr) (a answer, why string, timedOut bool) {
	total, _ := ctx.Deadline()
	if ctx.Err() != nil || time.Until(total) < minZoneTime {
		return answer{}, "no time left", false
	}
	zctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	name := Name(ip, zone)
	resp, err := c.r.Query(zctx, name, dns.TypeA)
	if err != nil && !errors.Is(err, resolve.ErrNXDomain) {
		if own, _ := zctx.Deadline(); errors.Is(err, resolve.ErrTimeout) && !own.Before(total) {
			return answer{}, fmt.Sprintf("no answer before the limit of %v for all lists", c.opt.Total), true
		}
		return answer{}, describe(err, c.opt.Timeout), errors.Is(err, resolve.ErrTimeout)
	}
	a = answer{}
	var ttl uint32
	var refused netip.Addr
	for _, rr := range resp.Answer {
		rec, ok := rr.(*dns.A)
		if !ok {
			continue
		}
		code, ok := netip.AddrFromSlice(rec.A.To4())
		switch {
		case !ok || !listing.Contains(code):
			// RFC 5782 §2.1: only 127.0.0.0/8 answers are listings.
		case refusal.Contains(code):
			refused = code
		case !a.listed || rec.Hdr.Ttl < ttl:
			a.listed, a.code, ttl = true, code, rec.Hdr.Ttl
		}
	}
	if !a.listed && refused.IsValid() {
		return answer{}, fmt.Sprintf("the list refused the query (%s)", refused), false
	}
	if !a.listed {
		ttl = negativeTTL(resp)
	} else if txts, err := c.r.LookupTXT(zctx, name); err == nil {
		// The reason is a courtesy: a listing stands without it.
		a.reason = sanitize(txts[0], maxReason)
	}
	a.expires = c.opt.Now().Add(c.clampTTL(ttl))
	c.store(zone, ip, a)
	return a, "", false
}

// negativeTTL is how long "not listed" may be cached: the SOA's TTL capped
// by its MINIMUM field (RFC 2308 §5); 0 (the floor) when there is no SOA.
func negativeTTL(resp *dns.Msg) uint32 {
	for _, rr := range resp.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			return min(soa.Hdr.Ttl, soa.Minttl)
		}
	}
	return 0
}

func (c *Checker) clampTTL(ttl uint32) time.Duration {
	return min(max(time.Duration(ttl)*time.Second, c.opt.MinTTL), c.opt.MaxTTL)
}

// describe says in a few words why a zone was skipped.
func describe(err error, limit time.Duration) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "check cancelled"
	case errors.Is(err, resolve.ErrTimeout):
		return fmt.Sprintf("no answer within %v", limit)
	case errors.Is(err, resolve.ErrServerFailure):
		return "server failure"
	case errors.Is(err, resolve.ErrRefused):
		return "query refused"
	}
	return err.Error()
}

// cached returns the unexpired answer of zone about ip.
func (c *Checker) cached(zone string, ip netip.Addr) (answer, bool) {
	now := c.opt.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.cache[cacheKey{zone, ip}]
	if !ok || !now.Before(a.expires) {
		return answer{}, false
	}
	return a, true
}

// store caches a. When the cache is full it first drops expired answers,
// then, if that was not enough, about a tenth of the rest, chosen at random
// by Go's map order. Either way the sweep is paid once per many inserts.
func (c *Checker) store(zone string, ip netip.Addr, a answer) {
	now := c.opt.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) >= c.opt.CacheSize {
		for k, v := range c.cache {
			if !now.Before(v.expires) {
				delete(c.cache, k)
			}
		}
		drop := len(c.cache) - c.opt.CacheSize*9/10
		for k := range c.cache {
			if drop <= 0 {
				break
			}
			delete(c.cache, k)
			drop--
		}
	}
	c.cache[cacheKey{zone, ip}] = a
}
