package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// TLS holds the TLS keys of [Config] and [MXA]: the certificate, the extra
// listeners and the policies. Defaults keep the plain-text behaviour of
// the original except that STARTTLS/STLS are offered.
type TLS struct {
	// Enabled offers STARTTLS/STLS and allows the TLS listeners (TLSEnabled).
	Enabled bool
	// CertFile and KeyFile are TLSCert and TLSKey, absolute after Load; both
	// empty means a self-signed pair kept in Dir.
	CertFile, KeyFile string
	// Dir is where the self-signed pair lives: the tls folder beside the INI.
	Dir string
	// RequireForAuth offers AUTH PLAIN/LOGIN and USER/PASS only under TLS
	// (RequireTLSForAuth); APOP and CRAM-MD5 stay available.
	RequireForAuth bool
	// SMTPRequire refuses MAIL before STARTTLS, except from loopback and
	// [RelayIPs] (SMTPRequireTLS).
	SMTPRequire bool
	// Extra listeners; PortOff for none. SubmissionPort is message
	// submission (RFC 6409, STARTTLS and AUTH before MAIL), SMTPSPort SMTP
	// over implicit TLS (RFC 8314 §3), POP3SPort POP3 over implicit TLS.
	SubmissionPort, SMTPSPort, POP3SPort int
	// HandshakeTimeout bounds one TLS handshake (TLSHandshakeSeconds).
	HandshakeTimeout time.Duration
	// GatewayTLS is the MXA's TLS policy for [MXA] Gateway.
	GatewayTLS TLSPolicy
	// LocalMX holds the policies named in [LocalMX] entries, by domain
	// ("*" for the catch-all); an entry without one is absent.
	LocalMX map[string]TLSPolicy
}

// PortOff marks an extra listener that is not configured.
const PortOff = -1

// TLSPolicy is how the MXA uses TLS with one next hop.
type TLSPolicy int

const (
	// TLSDefault follows [MXA] RequireTLS and VerifyTLS: opportunistic
	// unless one of them is set.
	TLSDefault       TLSPolicy = iota
	TLSNone                    // never STARTTLS
	TLSOpportunistic           // STARTTLS when offered, any certificate, else plain text
	TLSRequire                 // STARTTLS or no delivery; any certificate
	TLSVerify                  // STARTTLS and a certificate that matches the host name
)

var tlsPolicyNames = []string{"default", "none", "opportunistic", "require", "verify"}

func (p TLSPolicy) String() string {
	if p < 0 || int(p) >= len(tlsPolicyNames) {
		return "unknown"
	}
	return tlsPolicyNames[p]
}

func parseTLSPolicy(v string) (TLSPolicy, error) {
	for i, n := range tlsPolicyNames {
		if strings.EqualFold(v, n) && i > 0 {
			return TLSPolicy(i), nil
		}
	}
	return 0, expected("none, opportunistic, require or verify")
}

// Effective resolves TLSDefault with the [MXA] RequireTLS and VerifyTLS keys.
func (p TLSPolicy) Effective(m MXA) TLSPolicy {
	switch {
	case p != TLSDefault:
		return p
	case m.VerifyTLS:
		return TLSVerify
	case m.RequireTLS:
		return TLSRequire
	}
	return TLSOpportunistic
}

// ImplicitTLSPort is the port of SMTP over implicit TLS (RFC 8314 §7.3): the
// MXA speaks TLS from the first byte to a gateway or [LocalMX] host there.
const ImplicitTLSPort = 465

// extraPortK reads an extra listener's port (parseExtraPort).
var extraPortK = kind[int]{parse: parseExtraPort, format: func(n int) string {
	if n == PortOff {
		return "off"
	}
	return strconv.Itoa(n)
}}

// parseExtraPort reads an extra listener's port: off (or empty) for none,
// 0 for any free port, as SMTPPort.
func parseExtraPort(v string) (int, error) {
	if v == "" || strings.EqualFold(v, "off") {
		return PortOff, nil
	}
	n, err := parseInt(v, 0, 65535, "a port number, or off")
	if err != nil {
		return 0, expected("a port number, or off")
	}
	return n, nil
}

// parseMXRouteTLS reads a [LocalMX] entry with an optional TLS policy as
// its last field: "domain,host[:port][,port][,policy]".
func parseMXRouteTLS(v string) (MXRoute, TLSPolicy, error) {
	parts := strings.Split(v, ",")
	last := strings.TrimSpace(parts[len(parts)-1])
	if len(parts) >= 3 {
		if _, err := strconv.Atoi(last); err != nil {
			p, err := parseTLSPolicy(last)
			if err != nil {
				return MXRoute{}, 0, expected("domain,host[:port][,policy] with a policy of none, opportunistic, require or verify")
			}
			r, err := parseMXRoute(strings.Join(parts[:len(parts)-1], ","))
			return r, p, err
		}
	}
	r, err := parseMXRoute(v)
	return r, TLSDefault, err
}

// setRoutePolicy records the policy of the [LocalMX] entry for domain.
func (t *TLS) setRoutePolicy(domain string, p TLSPolicy) {
	if p == TLSDefault {
		return
	}
	if t.LocalMX == nil {
		t.LocalMX = map[string]TLSPolicy{}
	}
	t.LocalMX[domain] = p
}

// RoutePolicy is the policy of the [LocalMX] entry for domain ("*" for the
// catch-all), TLSDefault when it names none.
func (t *TLS) RoutePolicy(domain string) TLSPolicy { return t.LocalMX[domain] }

// tlsSummary lists the TLS settings for the start-up summary.
func tlsSummary(c *Config) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !c.TLS.Enabled {
		add("TLS: off (TLSEnabled=False or /NOTLS)")
		if c.Mode == ModeSMTP && c.TLS.SubmissionPort != PortOff {
			add("Listening on: %s (submission, AUTH required)", net.JoinHostPort(orStar(c.Server.Bind), strconv.Itoa(c.TLS.SubmissionPort)))
		}
		return out
	}
	if c.TLS.CertFile == "" {
		add("TLS certificate: self-signed, kept in %s", c.TLS.Dir)
	} else {
		add("TLS certificate: %s (key %s)", c.TLS.CertFile, c.TLS.KeyFile)
	}
	listener := func(what string, port int) {
		if port != PortOff {
			add("Listening on: %s (%s)", net.JoinHostPort(orStar(c.Server.Bind), strconv.Itoa(port)), what)
		}
	}
	if c.Mode == ModePOP {
		add("STLS: offered")
		listener("POP3S, implicit TLS", c.TLS.POP3SPort)
	} else {
		add("STARTTLS: offered")
		listener("submission, STARTTLS and AUTH required", c.TLS.SubmissionPort)
		listener("SMTPS, implicit TLS", c.TLS.SMTPSPort)
		add("TLS required for MAIL: %s", onOff(c.TLS.SMTPRequire))
		if c.MXA.Enabled {
			add("MXA TLS: %s (gateway: %s)", TLSDefault.Effective(c.MXA), c.TLS.GatewayTLS.Effective(c.MXA))
		}
	}
	add("TLS required for plain-text passwords: %s", onOff(c.TLS.RequireForAuth))
	return out
}

// finishTLS places the self-signed pair's folder beside the INI and checks
// that the certificate and key come as a pair.
func (c *Config) finishTLS(base string) error {
	c.TLS.Dir = filepath.Join(base, "tls")
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return fmt.Errorf("mailq: TLSCert and TLSKey go together: set both, or neither for a self-signed certificate")
	}
	if !c.TLS.Enabled && (c.TLS.SMTPRequire || c.TLS.RequireForAuth) {
		// Without TLS these would refuse every outside sender, or every
		// password login, for good.
		return fmt.Errorf("mailq: SMTPRequireTLS and RequireTLSForAuth need TLS, which is off (TLSEnabled=False or /NOTLS)")
	}
	return nil
}
