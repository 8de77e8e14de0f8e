package guard

import (
	"net/netip"

	"mailq/pop3"
	"mailq/smtp"
)

var (
	_ smtp.SlotExempter = (*SMTP)(nil)
	_ pop3.SlotExempter = (*POP3)(nil)
)

// SlotExempt reports whether ip may take any free session slot rather than
// its address's share (package slots): the clients the per-IP limits
// exempt, loopback and [RelayIPs], unless LimitLocal. A proxy on this host
// or a LAN behind one address would otherwise get only part of the slots.
func (g *common) SlotExempt(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && g.exempt(ip)
}
