package pop3

import (
	"net/netip"
)

// Session slots. POPThreads bounds the sessions, and the slots are shared
// between addresses (package slots): one address holds at most POPThreads
// − slots.Reserve(POPThreads) of them, so a few idle connections from one
// address cannot lock everyone else out. The Guard is asked first (block
// list, per-IP limit), so a refused client never takes a slot.

// SlotExempter is an optional extension of a Guard: a client it names may
// take any free slot, the reserve included (loopback and [RelayIPs], unless
// LimitLocal). Without it, loopback clients are exempt.
type SlotExempter interface {
	SlotExempt(ip netip.Addr) bool
}

// slotExempt reports whether ip may take any free slot.
func (s *Server) slotExempt(ip netip.Addr) bool {
	if g, ok := s.opt.Guard.(SlotExempter); ok {
		return g.SlotExempt(ip)
	}
	return ip.Unmap().IsLoopback()
}
