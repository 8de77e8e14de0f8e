package smtp

import (
	"net/netip"
	"sync"
)

// Session slots. SMTPThreads bounds the sessions that have been greeted,
// and the slots are shared between addresses (package slots): one address
// holds at most SMTPThreads − slots.Reserve(SMTPThreads) of them, so a few
// idle connections from one address cannot make everyone else wait. A
// connection is first asked about by the Guard (block list, per-IP limit,
// DNSBL) without a slot, so a blocked or over-limit client never takes one;
// only then does it take a slot, or get 421 at once.
//
// Connections without a slot (being asked about, or refused and waiting for
// QUIT) are bounded too: past maxUnslotted the accept loop answers 421 at
// once, and past maxLingering a refused client is closed right after its 554
// instead of being given refusedWait to say QUIT.
const (
	maxUnslotted = 256
	maxLingering = 32
)

// SlotExempter is an optional extension of a Guard: a client it names may
// take any free slot, the reserve included (loopback and [RelayIPs], unless
// LimitLocal). Without it, loopback clients are exempt.
type SlotExempter interface {
	SlotExempt(ip netip.Addr) bool
}

// slotExempt reports whether ip may take any free slot.
func (srv *Server) slotExempt(ip netip.Addr) bool {
	if g, ok := srv.guard.(SlotExempter); ok {
		return g.SlotExempt(ip)
	}
	return ip.Unmap().IsLoopback()
}

// enter counts a new connection without a slot; false (and nothing
// counted) when there are maxUnslotted already. The returned func, called
// once the connection holds a slot or has ended, uncounts it; more calls do
// nothing.
func (srv *Server) enter() (admitted func(), ok bool) {
	if srv.unslotted.Add(1) > maxUnslotted {
		srv.unslotted.Add(-1)
		return nil, false
	}
	return sync.OnceFunc(func() { srv.unslotted.Add(-1) }), true
}

// mayLinger counts a refused session that waits for QUIT; false when there
// are maxLingering already. The caller uncounts it (lingering.Add(-1)).
func (srv *Server) mayLinger() bool {
	if srv.lingering.Add(1) > maxLingering {
		srv.lingering.Add(-1)
		return false
	}
	return true
}

// takeSlot takes a session slot for s, or answers 421 and reports false.
func (s *session) takeSlot() (release func(), ok bool) {
	release, ok = s.srv.slots.Acquire(s.ip, s.srv.slotExempt(s.ip))
	if !ok {
		r := replyBusy(s.srv.host)
		s.srv.log.SMTPRefused(s.logConn(), r.Error())
		s.closeWhy = "no free session slot"
		s.send(r)
	}
	return release, ok
}

// replyBusy refuses a connection for want of a slot (RFC 5321 §3.8: 421
// when the service is not available).
func replyBusy(host string) Reply {
	return reply(421, "4.3.2", host+" Too many connections, try again later").closing()
}
