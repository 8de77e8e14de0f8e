package resolve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

const (
	// defaultTimeout is how long one server gets for one try when the
	// context allows more (resolv.conf's default "timeout:5").
	defaultTimeout = 5 * time.Second
	// defaultAttempts is how many times the list of servers is tried
	// (resolv.conf's default "attempts:2").
	defaultAttempts = 2
	maxAttempts     = 5
	// ednsSize is the UDP payload size we advertise (EDNS0, RFC 6891): large
	// enough for most MX and TXT answers, small enough to avoid IP
	// fragmentation (the DNS Flag Day 2020 value).
	ednsSize = 1232
)

// sysConfig is what the system says about DNS servers.
type sysConfig struct {
	servers  []string      // host:port
	timeout  time.Duration // 0: the default
	attempts int           // 0: the default
}

// Resolver asks DNS servers questions. It is safe for concurrent use.
type Resolver struct {
	servers  []string // host:port, tried in this order
	timeout  time.Duration
	attempts int
}

// New returns a Resolver that asks server ("host:port", "host" for port 53,
// or "[v6addr]:port"), or, when server is "", the system's DNS servers. It
// fails with an error matching ErrNoServers when the system has none.
func New(server string) (*Resolver, error) {
	if server != "" {
		addr, err := serverAddr(server)
		if err != nil {
			return nil, err
		}
		return &Resolver{servers: []string{addr}, timeout: defaultTimeout, attempts: defaultAttempts}, nil
	}
	sc, err := systemConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoServers, err)
	}
	if len(sc.servers) == 0 {
		return nil, ErrNoServers
	}
	r := &Resolver{servers: sc.servers, timeout: sc.timeout, attempts: sc.attempts}
	if r.timeout <= 0 {
		r.timeout = defaultTimeout
	}
	if r.attempts <= 0 {
		r.attempts = defaultAttempts
	}
	r.attempts = min(r.attempts, maxAttempts)
	return r, nil
}

// Servers returns the servers asked, in order, for the start-up log.
func (r *Resolver) Servers() []string { return append([]string(nil), r.servers...) }

// serverAddr turns a configured DNS server into host:port.
func serverAddr(s string) (string, error) {
	if host, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" {
			return "", fmt.Errorf("resolve: bad DNS server %q", s)
		}
		return s, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if _, err := netip.ParseAddr(host); err != nil {
		if _, ok := dns.IsDomainName(host); !ok || strings.ContainsAny(host, ":[] ") {
			return "", fmt.Errorf("resolve: bad DNS server %q", s)
		}
	}
	return net.JoinHostPort(host, "53"), nil
}

// Query asks for the records of type qtype at name and returns the answer
// of the first server that gives a definite one (NOERROR or NXDOMAIN); the
// others are tried when a server fails, refuses or stays silent. A NOERROR
// answer may hold no records of the type (NODATA): the caller checks.
//
// On NXDOMAIN Query returns both the response, whose authority section holds
// the zone's SOA for negative caching (RFC 2308 §5), and an error matching
// ErrNXDomain. Every other error is an *Error with a nil response.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	fqdn := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(fqdn); !ok || len(fqdn) > 255 {
		return nil, &Error{Name: name, Type: qtype, Kind: ErrBadName}
	}
	q := new(dns.Msg)
	q.SetQuestion(fqdn, qtype)
	q.RecursionDesired = true
	q.SetEdns0(ednsSize, false)

	var last *Error
	tries := r.attempts * len(r.servers)
	for i := range tries {
		if err := ctx.Err(); err != nil {
			if last != nil && ctxKind(err) == ErrTimeout {
				return nil, last // what the servers said says more
			}
			return nil, &Error{Name: strings.TrimSuffix(fqdn, "."), Type: qtype, Kind: ctxKind(err), Err: err}
		}
		srv := r.servers[i%len(r.servers)]
		resp, err := r.exchange(ctx, q, srv, r.share(ctx, tries-i))
		if err == nil || errors.Is(err, ErrNXDomain) {
			return resp, err
		}
		var e *Error
		errors.As(err, &e)
		if last == nil || rank(e.Kind) >= rank(last.Kind) || e.Kind == context.Canceled {
			last = e
		}
	}
	return nil, last
}

// share is how long the next try may take: what the context leaves, split
// evenly over the tries still to come, and never more than the per-try
// timeout.
func (r *Resolver) share(ctx context.Context, triesLeft int) time.Duration {
	d := r.timeout
	if dl, ok := ctx.Deadline(); ok {
		if s := time.Until(dl) / time.Duration(triesLeft); s < d {
			d = s
		}
	}
	return max(d, time.Millisecond)
}

// exchange asks one server once: over UDP, then over TCP if the answer was
// truncated (RFC 7766 §5). It returns an *Error for anything but NOERROR.
func (r *Resolver) exchange(ctx context.Context, q *dns.Msg, srv string, d time.Duration) (*dns.Msg, error) {
	name, qtype := q.Question[0].Name, q.Question[0].Qtype
	fail := func(kind error, rcode int, err error) *Error {
		return &Error{Name: strings.TrimSuffix(name, "."), Type: qtype, Server: srv, Kind: kind, Rcode: rcode, Err: err}
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	resp, err := roundTrip(tctx, "udp", q, srv)
	if resp != nil && resp.Truncated {
		// The truncated part is useless; TCP gets a fresh share of time.
		tctx2, cancel2 := context.WithTimeout(ctx, d)
		defer cancel2()
		resp, err = roundTrip(tctx2, "tcp", q, srv)
		tctx = tctx2
	}
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, fail(ctxKind(ctx.Err()), 0, ctx.Err())
		case tctx.Err() != nil || isTimeout(err):
			return nil, fail(ErrTimeout, 0, nil)
		}
		return nil, fail(ErrNetwork, 0, err)
	}
	if !sameQuestion(q, resp) {
		return nil, fail(ErrNetwork, resp.Rcode, errors.New("answer does not match the question"))
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
		return resp, nil
	case dns.RcodeNameError:
		return resp, fail(ErrNXDomain, resp.Rcode, nil)
	case dns.RcodeRefused:
		return nil, fail(ErrRefused, resp.Rcode, nil)
	}
	return nil, fail(ErrServerFailure, resp.Rcode, nil)
}

// roundTrip sends q to srv over network and reads the answer. Unlike
// dns.Client.ExchangeContext it also ends at once when ctx is cancelled,
// not only at its deadline.
func roundTrip(ctx context.Context, network string, q *dns.Msg, srv string) (*dns.Msg, error) {
	// The context's deadline is the only limit; Timeout just has to be
	// longer than any deadline we set.
	c := &dns.Client{Net: network, Timeout: time.Hour}
	conn, err := c.DialContext(ctx, srv)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(ctx, q, conn)
	if err != nil && resp != nil && resp.Truncated && network == "udp" {
		// A truncated answer may fail to unpack; it still says "use TCP".
		return resp, nil
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sameQuestion reports whether resp answers q (the ID is checked by dns).
// Some servers leave the question out of an error answer; that is accepted.
func sameQuestion(q, resp *dns.Msg) bool {
	switch len(resp.Question) {
	case 0:
		return resp.Rcode != dns.RcodeSuccess
	case 1:
	default:
		return false
	}
	a, b := q.Question[0], resp.Question[0]
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}
