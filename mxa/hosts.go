package mxa

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// maxHold caps how long a server that did not answer is skipped (Postfix's
// minimal_backoff_time is also five minutes).
const maxHold = 5 * time.Minute

// hostCache remembers the server addresses that did not answer lately: no
// connection, or a timeout or dropped connection at any step of a session.
// Without it, every set queued for one dead or hanging server would hold a
// worker for a full timeout in turn, and a hundred of them would stop all
// other mail for an hour; with it, only the sessions already under way wait,
// and the rest are deferred at once until the hold ends (Postfix's "delivery
// temporarily suspended"). It is shared by the workers.
type hostCache struct {
	hold time.Duration
	now  func() time.Time

	mu   sync.Mutex
	down map[netip.AddrPort]downHost
}

type downHost struct {
	until time.Time
	why   *Reply
}

func newHostCache(retry time.Duration, now func() time.Time) *hostCache {
	hold := min(max(retry, time.Second), maxHold)
	return &hostCache{hold: hold, now: now, down: map[netip.AddrPort]downHost{}}
}

// check returns the reply to give instead of connecting to addr, or nil when
// addr may be tried.
func (c *hostCache) check(host string, addr netip.AddrPort) *Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.down[addr]
	if !ok {
		return nil
	}
	if !c.now().Before(d.until) {
		delete(c.down, addr)
		return nil
	}
	return local("4.4.1", "%s[%s] port %d did not answer lately (%s); not trying it again before %s",
		host, addr.Addr(), addr.Port(), strings.Join(d.why.Lines, " "), d.until.Local().Format(time.TimeOnly))
}

// result records how a session with addr went: err is dial's error (nil
// when the session opened), or a reply its transaction ended with.
func (c *hostCache) result(addr netip.AddrPort, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.down, addr)
		return
	}
	if r := unreachable(err); r != nil {
		c.down[addr] = downHost{until: c.now().Add(c.hold), why: r}
	}
}

// unreachable returns err's reply when it says the server is not there or
// not talking: a local X.4.1 (no answer) or X.4.2 (timeout, dropped
// connection; RFC 3463 §3.5). A server's own reply (a 421 greeting, a
// refused login) and a failed TLS handshake (tried again in plain text) do
// not count.
func unreachable(err error) *Reply {
	if _, ok := err.(*tlsError); ok {
		return nil
	}
	r := asReply(err)
	if r.Host != "" || (r.Enh != "4.4.1" && r.Enh != "4.4.2") {
		return nil
	}
	return r
}
