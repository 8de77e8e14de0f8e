// Package slots shares a server's session slots (SMTPThreads, POPThreads)
// fairly between client addresses, so that a few connections from one
// address cannot take every slot and make everyone else wait.
//
// The rule: Reserve(n) of the n slots, max(1, n/4) for n ≥ 2, are kept for
// addresses that hold no slot yet. An address that already holds one may
// take another only while more than the reserve stays free. So one address
// holds at most n − Reserve(n) slots (3 of the default 4), and a newcomer
// always finds a slot unless the reserve itself is taken by other newcomers.
// Addresses are counted as the per-IP limits count them: an IPv4 address,
// or the /64 of an IPv6 address. An exempt client (loopback, [RelayIPs],
// as the Guard decides) may take any free slot.
//
// It is a leaf package: it owns no sockets, does no I/O and keeps no
// configuration; the servers ask it before a session starts.
package slots

import (
	"net/netip"
	"sync"
)

// Pool is a server's set of session slots. It is safe for concurrent use.
type Pool struct {
	size    int
	reserve int

	mu   sync.Mutex
	used int
	held map[netip.Addr]int // slots held per address key
}

// New returns a Pool of size slots (at least 1).
func New(size int) *Pool {
	size = max(size, 1)
	return &Pool{size: size, reserve: Reserve(size), held: map[netip.Addr]int{}}
}

// Reserve is the number of slots of a pool of size kept for addresses that
// hold none: a quarter, at least one, none for a single slot.
func Reserve(size int) int {
	if size < 2 {
		return 0
	}
	return max(1, size/4)
}

// Size returns the number of slots.
func (p *Pool) Size() int { return p.size }

// Acquire takes a slot for a client at ip. ok is false when none may be
// taken: every slot is in use, or ip holds one already and only the reserve
// is left. Otherwise release must be called once (further calls do
// nothing) when the session ends. An invalid ip (not TCP) is treated as
// exempt.
func (p *Pool) Acquire(ip netip.Addr, exempt bool) (release func(), ok bool) {
	k := key(ip)
	exempt = exempt || !k.IsValid()
	p.mu.Lock()
	defer p.mu.Unlock()
	free := p.size - p.used
	switch {
	case free <= 0:
		return nil, false
	case !exempt && p.held[k] > 0 && free <= p.reserve:
		return nil, false
	}
	p.used++
	if !exempt {
		p.held[k]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.used--
			if !exempt {
				if p.held[k]--; p.held[k] == 0 {
					delete(p.held, k)
				}
			}
		})
	}, true
}

// key is what an address is counted by: the address, or its /64 for IPv6.
func key(ip netip.Addr) netip.Addr {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}
