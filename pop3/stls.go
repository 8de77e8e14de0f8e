package pop3

import (
	"context"
	"crypto/tls"
	"strconv"
	"time"

	"mailq/tlsconf"
)

// TLSOptions are the TLS settings of one listener.
type TLSOptions struct {
	// Config is the server side of the handshake; nil offers no STLS.
	Config *tls.Config
	// Implicit starts TLS before the greeting: POP3S on port 995 (RFC 8314
	// §3.3).
	Implicit bool
	// RequireForAuth refuses USER/PASS and AUTH PLAIN before TLS
	// (RequireTLSForAuth); APOP sends no password and stays available.
	RequireForAuth bool
	// HandshakeTimeout bounds the handshake; 0 means 30 seconds.
	HandshakeTimeout time.Duration
	// IDPrefix starts the session ids of this listener, so that the logs
	// of several listeners of one instance do not mix ("tls7").
	IDPrefix string
}

var (
	replySTLSReady  = ok("Begin TLS negotiation")                                        // RFC 2595 §4
	replySTLSActive = fail("Command not permitted when TLS active")                      // RFC 2595 §4
	replyNeedTLS    = fail("plain-text passwords need TLS here: send STLS, or use APOP") // RequireTLSForAuth
)

// cmdStls upgrades the session to TLS (RFC 2595 §4). Whatever the client
// sent behind the command in the clear is dropped before the handshake
// (the command injection of CVE-2011-0411), and a USER given before is
// forgotten: a login starts over under TLS.
func cmdStls(c *conn, arg string) Reply {
	switch {
	case c.srv.opt.TLS.Config == nil:
		return replyUnknown
	case c.tls != nil:
		return replySTLSActive
	case !noArgs(arg):
		return replySyntax
	}
	// Sent at once, even with more input waiting: that input is dropped.
	if replySTLSReady.writeTo(c.bw) != nil || c.bw.Flush() != nil {
		c.reason = "connection error after STLS"
		return Reply{written: true, Close: true}
	}
	if n := c.lr.Buffered(); n > 0 {
		c.srv.opt.Log.POP3Error(c.id, c.who(), "discarded "+itoa(n)+" byte(s) sent in the clear behind STLS")
	}
	if !c.handshake() {
		return Reply{written: true, Close: true}
	}
	c.user = ""
	return Reply{written: true} // the client speaks next
}

// handshake runs the server side of a TLS handshake, bounded by
// HandshakeTimeout, and moves the session's reader and writer onto it;
// anything read before is dropped. A failure is logged with the client's
// address and the reason, and the session must end.
func (c *conn) handshake() bool {
	o := &c.srv.opt.TLS
	limit := o.HandshakeTimeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(c.ctx, limit)
	defer cancel()
	c.nc.SetDeadline(time.Time{})
	tc := tls.Server(c.nc, o.Config)
	if err := tc.HandshakeContext(ctx); err != nil {
		why := err.Error()
		if ctx.Err() != nil {
			why = "no handshake within " + limit.String()
		}
		c.reason = "TLS handshake failed"
		c.srv.opt.Log.POP3TLSFailed(c.id, c.ip.String(), why)
		return false
	}
	cs := tc.ConnectionState()
	c.tls, c.nc, c.cw.nc = &cs, tc, tc
	c.newLineReader() // timed reading now goes through TLS
	c.srv.opt.Log.POP3TLS(c.id, c.ip.String(), tlsconf.Describe(cs))
	return true
}

// closeTLS ends a TLS session with a close_notify alert, so clients see a
// clean end rather than a truncated stream.
func (c *conn) closeTLS() {
	if tc, ok := c.nc.(*tls.Conn); ok {
		tc.SetWriteDeadline(time.Now().Add(time.Second))
		tc.CloseWrite()
		c.srv.opt.Log.POP3TLSEnded(c.id)
	}
}

// tlsCaps adjusts CAPA (RFC 2449) for TLS: STLS only before it (RFC 2595
// §4), and USER only when it may be used (SASL lists only the mechanisms
// usable now: mechanisms).
func (c *conn) tlsCaps(caps []string) []string {
	o := &c.srv.opt.TLS
	out := caps[:0:0]
	for _, cp := range caps {
		if c.plainBlocked() && cp == "USER" {
			continue
		}
		out = append(out, cp)
	}
	if o.Config != nil && c.tls == nil {
		out = append(out, "STLS")
	}
	return out
}

// tlsOn hides STLS when there is no certificate.
func tlsOn(o *Options) bool { return o.TLS.Config != nil }

func (c *conn) plainBlocked() bool {
	return c.srv.opt.TLS.RequireForAuth && c.tls == nil
}

// needsTLS wraps a password command: refused in plain text under
// RequireForAuth.
func needsTLS(fn func(c *conn, arg string) Reply) func(c *conn, arg string) Reply {
	return func(c *conn, arg string) Reply {
		if c.plainBlocked() {
			return replyNeedTLS
		}
		return fn(c, arg)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
