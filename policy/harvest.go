package policy

import (
	"net/netip"
	"sync"
	"time"
)

// Harvest counts the unknown local recipients each address names, over the
// last hour, across sessions (Abuse.MaxUnknownRecipients). The per-session
// Counter alone lets a harvester open a new session before each limit; this
// count does not reset. Addresses are keyed like the other limits (an IPv6
// /64 counts as one). Safe for concurrent use; memory is bounded by
// forgetting addresses with nothing in the last hour and by MaxTracked.
type Harvest struct {
	opt LimitOptions

	mu        sync.Mutex
	ips       map[netip.Addr]*minuteSlots
	lastSweep time.Time
}

// NewHarvest returns a Harvest; opt's Trusted, LimitLocal and MaxTracked
// apply (the limits themselves are the caller's).
func NewHarvest(opt LimitOptions) *Harvest {
	if opt.MaxTracked <= 0 {
		opt.MaxTracked = DefaultMaxTracked
	}
	return &Harvest{opt: opt, ips: map[netip.Addr]*minuteSlots{}}
}

// Add counts one unknown recipient named by ip at now and returns how many
// it named in the last 60 minutes, this one included. Exempt addresses
// (loopback, trusted, unless LimitLocal) are not counted and get 0. Beyond
// MaxTracked addresses a new one is not remembered and gets 1.
func (h *Harvest) Add(ip netip.Addr, now time.Time) int {
	if h == nil || !ip.IsValid() || exempt(h.opt, ip) {
		return 0
	}
	k := key(ip)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sweep(now)
	st := h.ips[k]
	if st == nil {
		if len(h.ips) >= h.opt.MaxTracked {
			return 1
		}
		st = &minuteSlots{}
		h.ips[k] = st
	}
	n := st.count(now)
	st.add(now)
	return n + 1
}

// sweep forgets addresses with nothing in the last hour, at most once a
// minute.
func (h *Harvest) sweep(now time.Time) {
	if d := now.Sub(h.lastSweep); d >= 0 && d < sweepInterval {
		return
	}
	h.lastSweep = now
	for k, st := range h.ips {
		if st.count(now) == 0 {
			delete(h.ips, k)
		}
	}
}

// exempt is Limiter.Exempt for a Harvest.
func exempt(opt LimitOptions, ip netip.Addr) bool {
	if opt.LimitLocal {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || opt.Trusted.Contains(ip)
}
