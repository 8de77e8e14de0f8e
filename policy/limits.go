package policy

import (
	"net/netip"
	"sync"
	"time"
)

// Defaults of LimitOptions.
const (
	// HarvestBlock is how long to BlockFor an IP caught guessing addresses
	// (Kerio's hour).
	HarvestBlock = time.Hour
	// DefaultMaxTracked bounds the addresses a Limiter remembers.
	DefaultMaxTracked = 100000
)

// sweepInterval is how often a Limiter forgets idle addresses.
const sweepInterval = time.Minute

// LimitOptions configure a Limiter; a zero limit is no limit. The recipient
// count per message (SMTP.MaxRecipients, RFC 5321 §4.5.3.1.8: at least 100)
// and the per-session counts (failed commands, unknown recipients, failed
// logins) are kept by each connection, with Counter.
type LimitOptions struct {
	// MaxConnections is how many connections one IP may hold open to this
	// server at once (Abuse.MaxConnectionsPerIP).
	MaxConnections int
	// MaxMessagesPerHour is how many messages one IP may send in any 60
	// minutes (Abuse.MaxMessagesPerIPHour), counted to the minute.
	MaxMessagesPerHour int
	// Trusted clients are exempt, like loopback, unless LimitLocal is set.
	Trusted    *Trusted
	LimitLocal bool
	// MaxTracked bounds memory: beyond this many addresses, new ones are not
	// counted for messages (connections are bounded by the server's threads
	// and always counted); 0 means DefaultMaxTracked.
	MaxTracked int
}

// Limiter enforces the per-IP limits of one server process: concurrent
// connections, messages per hour, and the temporary blocks of BlockFor. It
// is safe for concurrent use; memory is bounded by forgetting idle
// addresses every minute and by MaxTracked.
type Limiter struct {
	opt LimitOptions

	mu        sync.Mutex
	ips       map[netip.Addr]*ipState
	lastSweep time.Time
}

// ipState is what a Limiter knows of one address.
type ipState struct {
	conns        int
	msgs         minuteSlots // messages in the last hour
	blockedUntil time.Time
}

// NewLimiter returns a Limiter.
func NewLimiter(opt LimitOptions) *Limiter {
	if opt.MaxTracked <= 0 {
		opt.MaxTracked = DefaultMaxTracked
	}
	return &Limiter{opt: opt, ips: map[netip.Addr]*ipState{}}
}

// Exempt reports whether ip escapes the limits: loopback and trusted
// addresses, unless LimitLocal.
func (l *Limiter) Exempt(ip netip.Addr) bool {
	if l.opt.LimitLocal {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || l.opt.Trusted.Contains(ip)
}

// key is what the limits count by: an IPv4 address, or the /64 of an IPv6
// address, since one IPv6 host usually holds a whole /64 and could otherwise
// take a fresh address for every connection.
func key(ip netip.Addr) netip.Addr {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// Acquire counts a new connection from ip. ok is false when ip already holds
// MaxConnections; otherwise the caller must call release (once; more calls
// do nothing) when the connection ends.
func (l *Limiter) Acquire(ip netip.Addr) (release func(), ok bool) {
	if l.opt.MaxConnections <= 0 || l.Exempt(ip) {
		return func() {}, true
	}
	k := key(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ips[k]
	if st == nil {
		st = &ipState{}
		l.ips[k] = st
	}
	if st.conns >= l.opt.MaxConnections {
		return nil, false
	}
	st.conns++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			st.conns--
			if st.idle(time.Time{}) && l.ips[k] == st {
				delete(l.ips, k)
			}
		})
	}, true
}

// MessageAllowed reports whether ip may send another message now, without
// counting one: the SMTP server asks at MAIL and answers 452 4.7.0 if not.
func (l *Limiter) MessageAllowed(ip netip.Addr, now time.Time) bool {
	if l.opt.MaxMessagesPerHour <= 0 || l.Exempt(ip) {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ips[key(ip)]
	return st == nil || st.msgs.count(now) < l.opt.MaxMessagesPerHour
}

// AllowMessage counts a message from ip and reports whether it is within
// MaxMessagesPerHour; a message over the limit is not counted. The SMTP
// server calls it after the final dot, before committing, and answers 452
// 4.7.0 (and keeps nothing) when it returns false.
func (l *Limiter) AllowMessage(ip netip.Addr, now time.Time) bool {
	if l.opt.MaxMessagesPerHour <= 0 || l.Exempt(ip) {
		return true
	}
	k := key(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	st := l.ips[k]
	if st == nil {
		if len(l.ips) >= l.opt.MaxTracked {
			return true
		}
		st = &ipState{}
		l.ips[k] = st
	}
	if st.msgs.count(now) >= l.opt.MaxMessagesPerHour {
		return false
	}
	st.msgs.add(now)
	return true
}

// BlockFor refuses ip until now+d: directory-harvest protection, called when
// a session's count of unknown local recipients reaches its limit. Exempt
// addresses are never blocked.
func (l *Limiter) BlockFor(ip netip.Addr, d time.Duration, now time.Time) {
	if l.Exempt(ip) {
		return
	}
	k := key(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	st := l.ips[k]
	if st == nil {
		st = &ipState{}
		l.ips[k] = st
	}
	if until := now.Add(d); until.After(st.blockedUntil) {
		st.blockedUntil = until
	}
}

// Blocked reports whether ip is blocked by BlockFor at now; the servers ask
// at connect and refuse like a block-list entry.
func (l *Limiter) Blocked(ip netip.Addr, now time.Time) bool {
	if l.Exempt(ip) {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.ips[key(ip)]
	return st != nil && now.Before(st.blockedUntil)
}

// minuteSlots counts events per minute over the last 60 minutes.
type minuteSlots struct {
	slots  [60]uint32
	minute int64 // the Unix minute of the latest slot written
}

// count advances the slots to now and returns the events of the last 60
// minutes (the current one included).
func (st *minuteSlots) count(now time.Time) int {
	m := minuteOf(now)
	if m > st.minute {
		for i := st.minute + 1; i <= m && i <= st.minute+60; i++ {
			st.slots[i%60] = 0
		}
		st.minute = m
	}
	n := 0
	for _, c := range st.slots {
		n += int(c)
	}
	return n
}

// add counts one event at now; count(now) must have run first.
func (st *minuteSlots) add(now time.Time) { st.slots[minuteOf(now)%60]++ }

func minuteOf(t time.Time) int64 { return t.Unix() / 60 }

// idle reports whether st holds nothing worth keeping at now (a zero now
// only checks connections and blocks that never started).
func (st *ipState) idle(now time.Time) bool {
	if st.conns > 0 || now.Before(st.blockedUntil) {
		return false
	}
	if now.IsZero() {
		return st.blockedUntil.IsZero() && st.msgs.slots == [60]uint32{}
	}
	return st.msgs.count(now) == 0
}

// sweep forgets idle addresses, at most once a minute.
func (l *Limiter) sweep(now time.Time) {
	if d := now.Sub(l.lastSweep); d >= 0 && d < sweepInterval {
		return
	}
	l.lastSweep = now
	for k, st := range l.ips {
		if st.idle(now) {
			delete(l.ips, k)
		}
	}
}
