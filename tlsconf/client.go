package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"net/netip"
)

// ClientConfig is the MXA's TLS settings for a connection to serverName.
// With verify the certificate must chain to roots (nil: the system's) and
// name serverName (RFC 6125); without, any certificate is taken, since
// opportunistic encryption (RFC 7435) beats plain text even with a
// self-made certificate, and for the same reason TLS 1.0 is allowed then.
func ClientConfig(serverName string, verify bool, roots *x509.CertPool) *tls.Config {
	cfg := &tls.Config{ServerName: serverName, MinVersion: MinVersion, RootCAs: roots}
	if !verify {
		cfg.InsecureSkipVerify = true
		cfg.MinVersion = tls.VersionTLS10
	}
	if _, err := netip.ParseAddr(serverName); err == nil && !verify {
		cfg.ServerName = "" // no SNI for an address (RFC 6066 §3)
	}
	return cfg
}
