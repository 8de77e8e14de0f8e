package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
)

// TestPair returns a server configuration with a new self-signed
// certificate for hostName (and localhost, 127.0.0.1, ::1), and a pool
// that trusts it: for tests of the servers and the MXA. It panics on error,
// which cannot happen with a working crypto/rand.
func TestPair(hostName string) (*tls.Config, *x509.CertPool) {
	certPEM, keyPEM, err := Generate(hostName)
	if err != nil {
		panic(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return &tls.Config{MinVersion: MinVersion, Certificates: []tls.Certificate{cert}}, pool
}
