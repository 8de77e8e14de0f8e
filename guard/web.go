package guard

import (
	"errors"
	"fmt"
	"net/netip"

	"mailq/logs"
)

// Web is the abuse controls of the web instance: the block list at every
// request, and the login limits and AutoBan that SMTP AUTH and POP3 share,
// so that a password cannot be guessed over the web faster than over the
// mail protocols, and an account locked there is locked here. It uses no
// type of package web (main passes it as web.Guard).
type Web struct{ *common }

// NewWeb builds the web instance's guard; its events go to server.log.
func NewWeb(o Options) *Web {
	return &Web{common: newCommon(o, "Web", logs.FileServer)}
}

// ErrBlocked is a client on the block list.
var ErrBlocked = errors.New("access denied: this address is on the server's block list")

// Admit refuses a client on the block list (which applies to loopback too,
// as on the mail ports).
func (g *Web) Admit(ip netip.Addr) error {
	if ip = ip.Unmap(); ip.IsValid() && g.blocked("", ip) {
		return ErrBlocked
	}
	return nil
}

// LoginAllowed refuses a login that a login limit blocks, with the same
// words as the mail servers.
func (g *Web) LoginAllowed(ip netip.Addr, user string) error {
	if r := g.loginAllowed("", ip, user); r.Refused() {
		return fmt.Errorf("%s", loginRefusalText(r, ip.Unmap(), true))
	}
	return nil
}

// LoginFailed counts a failed login (it was checked); past AutoBan the
// address is banned.
func (g *Web) LoginFailed(ip netip.Addr, user string) {
	g.loginCounted("", ip, user, true)
}

// LoginSucceeded forgets the user's failures from this address.
func (g *Web) LoginSucceeded(ip netip.Addr, user string) {
	g.loginSucceeded("", ip, user)
}
