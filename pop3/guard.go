package pop3

import "net/netip"

// Guard is the seam for the abuse controls of issue #7 (block list, per-IP
// limits, auto-ban, POP-before-SMTP). The server asks it at four points and
// implements no policy itself. Its methods are called from many connections
// at once, so an implementation must be safe for concurrent use, and must not
// block on the network.
type Guard interface {
	// Connect is asked when a client connects, before the greeting. A non-nil
	// error refuses the client: a Reply is sent as it is (its Close flag is
	// forced), anything else as "-ERR [SYS/PERM] access denied". Otherwise
	// release, if not nil, is called once when the connection ends.
	Connect(ip netip.Addr) (release func(), err error)
	// LoginFailed is told after each failed login of the session (USER/PASS,
	// APOP, AUTH), with the name tried and the session's failures so far. A
	// non-nil error ends the session with that reply, as for Connect (an
	// auto-ban, say).
	LoginFailed(ip netip.Addr, user string, failures int) error
	// LoggedIn is told after a successful login, once the mailbox is locked
	// (POP-before-SMTP records the address here).
	LoggedIn(ip netip.Addr, user string)
	// FailedCommand is told after each failed command other than a failed
	// login, with the session's count so far. A non-nil error ends the
	// session with that reply, as for Connect (MaxFailedCommands).
	FailedCommand(ip netip.Addr, failures int) error
}

// AllowAll is the permissive Guard: it refuses nobody and records nothing.
type AllowAll struct{}

func (AllowAll) Connect(netip.Addr) (func(), error)        { return nil, nil }
func (AllowAll) LoginFailed(netip.Addr, string, int) error { return nil }
func (AllowAll) LoggedIn(netip.Addr, string)               {}
func (AllowAll) FailedCommand(netip.Addr, int) error       { return nil }
