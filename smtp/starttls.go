package smtp

import (
	"context"
	"crypto/tls"
	"net/netip"
	"strings"
	"time"

	"mailq/tlsconf"
)

// TLSOptions are the TLS settings of one listener.
type TLSOptions struct {
	// Config is the server side of the handshake; nil offers no STARTTLS
	// and makes Implicit impossible.
	Config *tls.Config
	// Implicit starts TLS before the greeting: SMTP submission over
	// implicit TLS on port 465 (RFC 8314 §3.3).
	Implicit bool
	// RequireForAuth hides AUTH PLAIN and LOGIN until TLS is up
	// (RequireTLSForAuth); CRAM-MD5 sends no password and stays.
	RequireForAuth bool
	// RequireTLS refuses MAIL before STARTTLS (SMTPRequireTLS) unless the
	// client is on loopback or in Exempt ([RelayIPs]).
	RequireTLS bool
	Exempt     []netip.Prefix
	// HandshakeTimeout bounds the handshake; 0 means 30 seconds.
	HandshakeTimeout time.Duration
	// IDPrefix starts the session ids of this listener, so that the logs
	// of several listeners of one instance do not mix ("sub7", "tls7").
	IDPrefix string
}

var (
	replyTLSReady     = reply(220, "2.0.0", "Ready to start TLS")                                          // RFC 3207 §4
	replyTLSTwice     = reply(503, "5.5.1", "TLS already active")                                          // RFC 3207 §4.2
	replyTLSArgs      = reply(501, "5.5.4", "Syntax error (no parameters allowed)")                        // RFC 3207 §4
	replyTLSFirst     = reply(530, "5.7.0", "Must issue a STARTTLS command first")                         // RFC 3207 §4
	replyEncryptFirst = reply(538, "5.7.11", "Encryption required for requested authentication mechanism") // RFC 4954 §6
)

// cmdStarttls upgrades the session to TLS (RFC 3207). Whatever the client
// sent behind the command in the clear is thrown away before the
// handshake (RFC 3207 §4.2; the command injection of CVE-2011-0411), and
// after it the session starts over: the client must send EHLO again and
// no earlier AUTH counts.
func (s *session) cmdStarttls(arg string) Reply {
	switch {
	case s.srv.opt.TLS.Config == nil:
		return replyUnknown
	case s.tls != nil:
		return replyTLSTwice
	case strings.TrimSpace(arg) != "":
		return replyTLSArgs
	}
	s.sendNow(replyTLSReady)
	if n := s.lr.Buffered(); n > 0 {
		s.srv.log.Warnf("SMTP", "session %s [%s]: %d byte(s) sent in the clear behind STARTTLS were discarded", s.id, s.ipText(), n)
	}
	if !s.handshake() {
		return Reply{written: true, Close: true}
	}
	// RFC 3207 §4.2: discard any knowledge obtained from the client.
	s.reset()
	s.state, s.helo, s.esmtp, s.user, s.mech = stateConnected, "", false, "", ""
	return Reply{written: true} // nothing to send: the client speaks first, with EHLO
}

// handshake runs the server side of a TLS handshake on the connection,
// bounded by HandshakeTimeout, and swaps the session's reader and writer
// onto it. Bytes buffered from before are dropped. On failure it logs the
// client and the reason and reports false; the session must end.
func (s *session) handshake() bool {
	s.br.Reset(s.clock) // drops what was pipelined behind STARTTLS
	o := &s.srv.opt.TLS
	limit := o.HandshakeTimeout
	if limit <= 0 {
		limit = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	// A handshake holds no message: a shutdown ends it at once, as it
	// ends a session waiting for a command (see shutdown).
	s.sd.SetIdle(true)
	defer s.sd.SetIdle(false)
	if s.sd.Stopping() {
		s.closeWhy = "shutdown"
		return false
	}
	tc := tls.Server(s.conn, o.Config)
	if err := tc.HandshakeContext(ctx); err != nil {
		s.closeWhy = "TLS handshake failed"
		if s.sd.Stopping() {
			s.closeWhy = "shutdown" // not the client's fault: nothing to log
			return false
		}
		s.srv.log.SMTPTLSFailed(s.logConn(), handshakeError(ctx, err, limit))
		return false
	}
	s.conn.SetDeadline(time.Time{})
	cs := tc.ConnectionState()
	s.conn, s.tls = tc, &cs
	s.newReader() // timed reading now goes through TLS
	s.bw.Reset(tc)
	s.srv.log.SMTPTLS(s.logConn())
	return true
}

// handshakeError is the log's reason for a failed handshake.
func handshakeError(ctx context.Context, err error, limit time.Duration) string {
	if ctx.Err() != nil {
		return "no handshake within " + limit.String()
	}
	return err.Error()
}

// tlsText names the session's TLS version and cipher suite; "" in plain text.
func (s *session) tlsText() string {
	if s.tls == nil {
		return ""
	}
	return tlsconf.Describe(*s.tls)
}

// startTLSLine is the EHLO keyword, offered only before TLS (RFC 3207 §4.2).
func (s *session) startTLSLine() []string {
	if s.srv.opt.TLS.Config == nil || s.tls != nil {
		return nil
	}
	return []string{"STARTTLS"}
}

// authLine is the EHLO AUTH keyword: PLAIN and LOGIN send the password
// itself, so with RequireForAuth they wait for TLS.
func (s *session) authLine() string {
	if s.plainAuthBlocked() {
		return "AUTH CRAM-MD5"
	}
	return "AUTH PLAIN LOGIN CRAM-MD5"
}

func (s *session) plainAuthBlocked() bool {
	return s.srv.opt.TLS.RequireForAuth && s.tls == nil
}

// authNeedsTLS refuses a password mechanism in plain text under
// RequireForAuth (RFC 4954 §6, 538).
func (s *session) authNeedsTLS(mech string) (Reply, bool) {
	if (mech == "PLAIN" || mech == "LOGIN") && s.plainAuthBlocked() {
		return replyEncryptFirst, true
	}
	return Reply{}, false
}

// mailNeedsTLS refuses MAIL in plain text under RequireTLS, except from
// loopback and the exempt networks.
func (s *session) mailNeedsTLS() (Reply, bool) {
	o := &s.srv.opt.TLS
	if !o.RequireTLS || s.tls != nil || s.ip.IsLoopback() {
		return Reply{}, false
	}
	for _, p := range o.Exempt {
		if p.Contains(s.ip) {
			return Reply{}, false
		}
	}
	return replyTLSFirst, true
}

// tlsProto is the "with" of Received (RFC 3848) under TLS: ESMTPS or ESMTPSA,
// with the version and cipher as a comment (RFC 8314 §4.3).
func tlsProto(proto string, cs *tls.ConnectionState) string {
	if cs == nil {
		return proto
	}
	if strings.HasPrefix(proto, "ESMTP") {
		proto = "ESMTPS" + strings.TrimPrefix(proto, "ESMTP")
	}
	return proto + " (" + tlsconf.Describe(*cs) + ")"
}
