package resolve

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// MX is one mail exchanger of a domain.
type MX struct {
	Host string // lower case, without the trailing dot
	Pref uint16
}

// LookupMX returns the mail exchangers of domain, most preferred first, with
// hosts of equal preference in random order (RFC 5321 §5.1). It returns an
// error matching ErrNullMX when the domain publishes the null MX of RFC 7505
// (a single MX whose host is "."), ErrNoMX when the domain exists but has no
// MX records (the caller then tries the domain's own addresses, RFC 5321
// §5.1), and ErrNXDomain when the domain does not exist.
//
// A null MX listed next to real ones breaks RFC 7505 §3; the real ones are
// used, since mail can then still reach the domain.
func (r *Resolver) LookupMX(ctx context.Context, domain string) ([]MX, error) {
	resp, err := r.Query(ctx, domain, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	var mxs []MX
	null := false
	seen := map[string]bool{}
	for _, rr := range resp.Answer {
		mx, ok := rr.(*dns.MX)
		if !ok {
			continue
		}
		host := strings.ToLower(strings.TrimSuffix(mx.Mx, "."))
		if host == "" {
			null = true
			continue
		}
		if !seen[host] {
			seen[host] = true
			mxs = append(mxs, MX{Host: host, Pref: mx.Preference})
		}
	}
	if len(mxs) == 0 {
		kind := ErrNoMX
		if null {
			kind = ErrNullMX
		}
		return nil, &Error{Name: domain, Type: dns.TypeMX, Kind: kind}
	}
	sortMX(mxs)
	return mxs, nil
}

// sortMX orders by preference and shuffles each run of equal preference, so
// load spreads over equally preferred hosts (RFC 5321 §5.1).
func sortMX(mxs []MX) {
	// Shuffle first, then a stable sort keeps the shuffled order inside
	// each preference.
	rand.Shuffle(len(mxs), func(i, j int) { mxs[i], mxs[j] = mxs[j], mxs[i] })
	slices.SortStableFunc(mxs, func(a, b MX) int { return cmp.Compare(a.Pref, b.Pref) })
}

// LookupIP returns the IPv4 addresses (A) and then the IPv6 addresses (AAAA)
// of host, asking for both at once. An address literal is returned as it is.
// It succeeds when either lookup found addresses. Otherwise a temporary
// failure of either wins (a later try may find addresses), then NXDOMAIN,
// then ErrNoData.
func (r *Resolver) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	var v6 []netip.Addr
	var err6 error
	var wg sync.WaitGroup
	wg.Go(func() { v6, err6 = r.lookupAddrs(ctx, host, dns.TypeAAAA) })
	v4, err4 := r.lookupAddrs(ctx, host, dns.TypeA)
	wg.Wait()
	if addrs := append(v4, v6...); len(addrs) > 0 {
		return addrs, nil
	}
	for _, err := range []error{err4, err6} {
		var e *Error
		if errors.As(err, &e) && e.Temporary() {
			return nil, err
		}
	}
	if errors.Is(err4, ErrNXDomain) {
		return nil, err4
	}
	if errors.Is(err6, ErrNXDomain) {
		return nil, err6
	}
	return nil, &Error{Name: host, Type: dns.TypeA, Kind: ErrNoData}
}

// LookupA returns the IPv4 addresses of name; ErrNoData when there are none.
func (r *Resolver) LookupA(ctx context.Context, name string) ([]netip.Addr, error) {
	addrs, err := r.lookupAddrs(ctx, name, dns.TypeA)
	if err == nil && len(addrs) == 0 {
		err = &Error{Name: name, Type: dns.TypeA, Kind: ErrNoData}
	}
	return addrs, err
}

// lookupAddrs returns the A or AAAA records in the answer to name, including
// those of the target of a CNAME that the server followed.
func (r *Resolver) lookupAddrs(ctx context.Context, name string, qtype uint16) ([]netip.Addr, error) {
	resp, err := r.Query(ctx, name, qtype)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	for _, rr := range resp.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			if ip, ok := netip.AddrFromSlice(rr.A.To4()); ok && qtype == dns.TypeA {
				addrs = append(addrs, ip)
			}
		case *dns.AAAA:
			if ip, ok := netip.AddrFromSlice(rr.AAAA.To16()); ok && qtype == dns.TypeAAAA {
				addrs = append(addrs, ip)
			}
		}
	}
	return addrs, nil
}

// LookupTXT returns the TXT records of name, each record's strings joined
// without separator (as RFC 7208 §3.3 does); ErrNoData when there are none.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	resp, err := r.Query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	txts := txtStrings(resp)
	if len(txts) == 0 {
		return nil, &Error{Name: name, Type: dns.TypeTXT, Kind: ErrNoData}
	}
	return txts, nil
}

// txtStrings returns the TXT records in the answer section of resp as the
// bytes sent, each record's strings joined without separator.
func txtStrings(resp *dns.Msg) []string {
	var txts []string
	for _, rr := range resp.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			var b strings.Builder
			for _, s := range t.Txt {
				unescape(&b, s)
			}
			txts = append(txts, b.String())
		}
	}
	return txts
}

// unescape undoes the presentation format in which the dns package hands
// out character strings: \DDD for an unprintable byte, \c for a quote or
// backslash.
func unescape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		if d := s[i:]; len(d) >= 3 && isDigit(d[0]) && isDigit(d[1]) && isDigit(d[2]) {
			n := int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
			if n < 256 {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// TXTStrings returns the TXT records in the answer section of resp as
// LookupTXT does, for callers that keep answers by their TTL (msgauth).
func TXTStrings(resp *dns.Msg) []string { return txtStrings(resp) }
