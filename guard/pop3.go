package guard

import (
	"fmt"
	"net/netip"
	"sync"

	"mailq/logs"
	"mailq/pop3"
)

// POP3 is the POP3 instance's Guard. Its Limiter counts the POP3 instance's
// connections only; the DNSBL is not asked (the clients are our own users,
// often on dynamic addresses that block lists list).
type POP3 struct {
	*common
	loopbackOnce sync.Once
}

var _ pop3.Guard = (*POP3)(nil)

// NewPOP3 returns the POP3 instance's Guard.
func NewPOP3(o Options) *POP3 {
	return &POP3{common: newCommon(o, "POP3", logs.FilePOP3)}
}

// Connect refuses a client on the block list or over its connection limit.
// RFC 3206 codes: SYS/PERM for a refusal that retrying will not cure,
// SYS/TEMP for one that passes.
func (g *POP3) Connect(ip netip.Addr) (func(), error) {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return nil, nil
	}
	if g.blocked("", ip) {
		return nil, pop3.Reply{Code: "SYS/PERM", Text: fmt.Sprintf("access denied: [%s] is on this server's block list", ip), Close: true}
	}
	release, ok := g.acquire("", ip)
	if !ok {
		return nil, pop3.Reply{Code: "SYS/TEMP", Text: fmt.Sprintf("too many connections from [%s]; try again later", ip), Close: true}
	}
	return release, nil
}

// LoginFailed bans the client after AutoBan failed logins in one session.
func (g *POP3) LoginFailed(ip netip.Addr, user string, failures int) error {
	if g.autoBan("", ip.Unmap(), failures) {
		return pop3.Reply{Code: "AUTH", Text: "too many failed logins; closing connection", Close: true}
	}
	return nil
}

// FailedCommand ends a session at its MaxFailedCommands-th failed command.
func (g *POP3) FailedCommand(ip netip.Addr, failures int) error {
	if g.tooManyFailed("", ip.Unmap(), failures) {
		return pop3.Reply{Text: "too many failed commands; closing connection", Close: true}
	}
	return nil
}

// LoggedIn forgets the user's failed logins from this address and records
// the client for POP-before-SMTP. A loopback address is
// not recorded: behind a proxy or TLS front end on this host every client
// comes from loopback, and one user's login would let all of them relay.
func (g *POP3) LoggedIn(ip netip.Addr, user string) {
	ip = ip.Unmap()
	g.loginSucceeded("", ip, user)
	if g.tracker == nil || g.abuse.POPBeforeSMTP <= 0 || !ip.IsValid() {
		return
	}
	if ip.IsLoopback() {
		g.loopbackOnce.Do(func() {
			g.log.AbuseProblem(g.file, g.module, "", fmt.Sprintf("POP-before-SMTP: a login from [%s] (loopback) gives no relaying right: "+
				"a proxy on this host would pass it to every client; list the address in [RelayIPs] to trust it", ip))
		})
		return
	}
	if err := g.tracker.Record(ip, g.now()); err != nil {
		g.log.AbuseProblem(g.file, g.module, "", fmt.Sprintf("POP-before-SMTP: could not record [%s] for %s: %v", ip, user, err))
	}
}
