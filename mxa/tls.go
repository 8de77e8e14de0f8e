package mxa

import (
	"context"
	"crypto/tls"
	"errors"

	"mailq/config"
	"mailq/tlsconf"
)

// tlsMode is how a delivery uses TLS with one target: the policy
// (config.TLSNone, TLSOpportunistic, TLSRequire or TLSVerify; never
// TLSDefault) and whether TLS starts at connect (port 465, RFC 8314 §3).
type tlsMode struct {
	policy   config.TLSPolicy
	implicit bool
}

// plainMode is the mode of the second attempt after a failed opportunistic
// handshake (RFC 7435 §3).
var plainMode = tlsMode{policy: config.TLSNone}

// routeTLS holds the TLS policies of the routes: [MXA] GatewayTLS, the
// [LocalMX] entries', and the default of DNS routes, each resolved against
// RequireTLS and VerifyTLS.
type routeTLS struct {
	mxa     config.MXA
	gateway config.TLSPolicy
	entries map[string]config.TLSPolicy
	// implicitPort is 465; tests use their peer's port.
	implicitPort int
}

func newRouteTLS(m config.MXA, t config.TLS) routeTLS {
	return routeTLS{mxa: m, gateway: t.GatewayTLS.Effective(m), entries: t.LocalMX, implicitPort: config.ImplicitTLSPort}
}

// forDNS is the policy of a target found in DNS.
func (r routeTLS) forDNS() tlsMode {
	return tlsMode{policy: config.TLSDefault.Effective(r.mxa)}
}

// forStatic is the policy of a configured host: the gateway (domain "")
// or the [LocalMX] entry of domain ("*" for the catch-all). Port 465 means
// implicit TLS unless the policy is none.
func (r routeTLS) forStatic(domain string, port int) tlsMode {
	p := r.gateway
	if domain != "" {
		p = r.entries[domain].Effective(r.mxa)
	}
	return tlsMode{policy: p, implicit: port == r.implicitPort && p != config.TLSNone}
}

// forEntry is the policy of a [LocalMX] entry that routes by DNS.
func (r routeTLS) forEntry(domain string) tlsMode {
	return tlsMode{policy: r.entries[domain].Effective(r.mxa)}
}

// withTLS sets the mode of every target of p.
func withTLS(p plan, m tlsMode) plan {
	for i := range p.targets {
		p.targets[i].tls = m
	}
	return p
}

// handshake runs the client side of TLS on the session's connection, with
// the certificate checked under TLSVerify (against the name the route
// gave: the MX or configured host, RFC 7672 §3.2 is DANE's, not ours).
func (s *session) handshake(ctx context.Context) error {
	verify := s.mode.policy == config.TLSVerify
	tc := tls.Client(s.conn, tlsconf.ClientConfig(s.name, verify, s.cfg.roots))
	s.deadline(s.cfg.t.Command)
	if err := tc.HandshakeContext(ctx); err != nil {
		var ce *tls.CertificateVerificationError
		if errors.As(err, &ce) {
			return &tlsError{local("4.7.5", "TLS with %s failed: the certificate does not verify (%v)", s.host, ce.Err)}
		}
		return &tlsError{local("4.7.5", "TLS with %s failed: %v", s.host, trimErr(err))}
	}
	s.setConn(tc)
	s.tls, s.verified = true, verify
	s.tlsDesc = tlsconf.Describe(tc.ConnectionState())
	return nil
}

// tlsOutcome says how the session went: version and cipher, and whether
// the certificate was checked; or that it ran in plain text.
func (s *session) tlsOutcome() string {
	switch {
	case !s.tls:
		return "no TLS (plain text)"
	case s.verified:
		return "TLS " + s.tlsDesc + ", certificate verified"
	}
	return "TLS " + s.tlsDesc + ", certificate not verified"
}

// noteTLS adds the TLS outcome to the server's replies, so the recorded
// result (the delivery status) says how each message travelled.
func (s *session) noteTLS(replies []*Reply) {
	if !s.tls {
		return
	}
	seen := map[*Reply]bool{} // one reply may stand for several recipients
	for _, r := range replies {
		if r != nil && r.Host != "" && !seen[r] {
			seen[r] = true
			r.Lines = append(r.Lines, "("+s.tlsOutcome()+")")
		}
	}
}
