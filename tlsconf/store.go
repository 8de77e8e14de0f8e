package tlsconf

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// MinVersion is the oldest protocol version the servers accept: TLS 1.0 and
// 1.1 are deprecated (RFC 8996).
const MinVersion = tls.VersionTLS12

// Errors of a certificate that cannot be used; Load wraps them with the
// file names, so a start-up error says which file and why.
var (
	ErrExpired  = errors.New("tlsconf: the certificate has expired")
	ErrNotYet   = errors.New("tlsconf: the certificate is not valid yet")
	ErrMismatch = errors.New("tlsconf: the key does not belong to the certificate")
	ErrNoCert   = errors.New("tlsconf: the file holds no PEM certificate")
)

// recheck is how often, at most, the files' modification times are looked
// at when a handshake asks for the certificate.
const recheck = time.Second

// Store holds the server's certificate and re-reads the files when their
// modification time or size changes. A change that does not load (a key
// written before its certificate, an expired replacement) is logged through
// Warn and the last good pair stays in use.
type Store struct {
	CertPath, KeyPath string
	// Warn reports a failed reload; nil drops it.
	Warn func(format string, args ...any)

	now func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of the pair loaded
	checked time.Time
}

// Load reads the pair and checks it: both files readable, PEM, the key
// matching the certificate, the leaf valid now.
func Load(certPath, keyPath string) (*Store, error) {
	s := &Store{CertPath: certPath, KeyPath: keyPath, now: time.Now}
	cert, stamp, err := s.read()
	if err != nil {
		return nil, err
	}
	s.cert, s.stamp, s.checked = cert, stamp, s.now()
	return s, nil
}

// read loads and checks the pair.
func (s *Store) read() (*tls.Certificate, string, error) {
	stamp, err := fileStamp(s.CertPath, s.KeyPath)
	if err != nil {
		return nil, "", err
	}
	certPEM, err := os.ReadFile(s.CertPath)
	if err != nil {
		return nil, "", fmt.Errorf("tlsconf: certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(s.KeyPath)
	if err != nil {
		return nil, "", fmt.Errorf("tlsconf: key: %w", err)
	}
	cert, err := parsePair(certPEM, keyPEM, s.now())
	if err != nil {
		return nil, "", fmt.Errorf("%s and %s: %w", s.CertPath, s.KeyPath, err)
	}
	return cert, stamp, nil
}

// parsePair builds a certificate from PEM and checks its dates at now.
func parsePair(certPEM, keyPEM []byte, now time.Time) (*tls.Certificate, error) {
	if !strings.Contains(string(certPEM), "-----BEGIN CERTIFICATE-----") {
		return nil, ErrNoCert
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return nil, ErrMismatch
		}
		return nil, fmt.Errorf("tlsconf: %w", err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tlsconf: %w", err)
		}
		cert.Leaf = leaf
	}
	switch {
	case now.After(leaf.NotAfter):
		return nil, fmt.Errorf("%w (on %s)", ErrExpired, leaf.NotAfter.UTC().Format(time.DateOnly))
	case now.Before(leaf.NotBefore):
		return nil, fmt.Errorf("%w (from %s)", ErrNotYet, leaf.NotBefore.UTC().Format(time.DateOnly))
	}
	return &cert, nil
}

// fileStamp identifies the versions of the files: modification times and
// sizes. A missing or unreadable file is an error naming it.
func fileStamp(paths ...string) (string, error) {
	var b strings.Builder
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("tlsconf: %w", err)
		}
		fmt.Fprintf(&b, "%d/%d;", st.ModTime().UnixNano(), st.Size())
	}
	return b.String(), nil
}

// Certificate returns the pair in use, re-reading the files first when they
// changed (looked at no more than once a second).
func (s *Store) Certificate() *tls.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.checked) < recheck {
		return s.cert
	}
	s.checked = now
	stamp, err := fileStamp(s.CertPath, s.KeyPath)
	if err != nil || stamp == s.stamp {
		if err != nil {
			s.warn("cannot check the certificate files (%v); keeping the one loaded", err)
		}
		return s.cert
	}
	cert, stamp, err := s.read()
	if err != nil {
		s.warn("the certificate files changed but cannot be used (%v); keeping the one loaded", err)
		s.stamp = stamp // do not retry until they change again
		return s.cert
	}
	s.cert, s.stamp = cert, stamp
	s.warn("certificate reloaded from %s (SHA-256 %s)", s.CertPath, Fingerprint(cert.Leaf))
	return s.cert
}

func (s *Store) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(format, args...)
	}
}

// Leaf returns the certificate's leaf in use.
func (s *Store) Leaf() *x509.Certificate { return s.Certificate().Leaf }

// ServerConfig returns the servers' TLS settings: TLS 1.2 or newer, Go's
// default cipher suites, the certificate from the store on every handshake
// (so a renewed file is served without a restart).
func (s *Store) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: MinVersion,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.Certificate(), nil
		},
	}
}

// Fingerprint is the SHA-256 of the certificate, in the colon-separated
// upper-case hex form browsers and openssl x509 -fingerprint show.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// Describe names a connection's protocol version and cipher suite as the
// Received: field and the logs show them (RFC 8314 §4.3): "TLS1.3
// TLS_AES_128_GCM_SHA256".
func Describe(cs tls.ConnectionState) string {
	return VersionName(cs.Version) + " " + tls.CipherSuiteName(cs.CipherSuite)
}

// VersionName is "TLS1.2" for tls.VersionTLS12 and so on.
func VersionName(v uint16) string {
	return strings.ReplaceAll(tls.VersionName(v), " ", "")
}
