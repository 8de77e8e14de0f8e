package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"mailq/internal/osfile"
)

// File names of the generated pair, in the folder given to SelfSigned.
const (
	SelfCertFile = "selfsigned.crt"
	SelfKeyFile  = "selfsigned.key"
)

// selfValidity is how long a generated certificate is valid: long enough
// that a test server never sees it expire, short of the 825 days some
// clients allow at most.
const selfValidity = 800 * 24 * time.Hour

// SelfSigned returns the paths of the self-signed pair in dir, generating it
// when there is none: an ECDSA P-256 key and a certificate for hostName,
// localhost, 127.0.0.1 and ::1. created reports whether it was made now.
// The key file is readable by its owner only. A pair that exists is used as
// it is (Load checks it), so its fingerprint stays the same from run to run.
func SelfSigned(dir, hostName string) (certPath, keyPath string, created bool, err error) {
	certPath, keyPath = filepath.Join(dir, SelfCertFile), filepath.Join(dir, SelfKeyFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", false, fmt.Errorf("tlsconf: %w", err)
	}
	// The SMTP and POP3 instances may start together: one makes the pair,
	// the other waits and then finds it.
	unlock, err := osfile.Lock(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", "", false, fmt.Errorf("tlsconf: %w", err)
	}
	defer unlock()
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		return certPath, keyPath, false, nil
	case cerr == nil:
		// A certificate without its key: never overwrite what someone may
		// have put there.
		return "", "", false, fmt.Errorf("tlsconf: %s has no key beside it (%s); remove it to generate a new pair", certPath, keyPath)
	case !errors.Is(cerr, fs.ErrNotExist):
		return "", "", false, fmt.Errorf("tlsconf: %w", cerr)
	case kerr == nil:
		// The key is written first: a key alone is what a generation cut
		// short leaves. It was never used; make a new pair.
		if err := os.Remove(keyPath); err != nil {
			return "", "", false, fmt.Errorf("tlsconf: %w", err)
		}
	}
	certPEM, keyPEM, err := generate(hostName, time.Now())
	if err != nil {
		return "", "", false, err
	}
	// The key first: a certificate alone is never left behind as the pair.
	if err := writeNew(keyPath, keyPEM, 0o600); err != nil {
		return "", "", false, err
	}
	if err := writeNew(certPath, certPEM, 0o644); err != nil {
		os.Remove(keyPath)
		return "", "", false, err
	}
	if err := osfile.SyncDir(dir); err != nil {
		return "", "", false, fmt.Errorf("tlsconf: sync %s: %w", dir, err)
	}
	return certPath, keyPath, true, nil
}

// Generate returns a new self-signed pair for hostName (and localhost,
// 127.0.0.1, ::1) as PEM, valid from now: what SelfSigned writes, and what
// tests of other packages serve.
func Generate(hostName string) (certPEM, keyPEM []byte, err error) {
	return generate(hostName, time.Now())
}

// generate makes a key and a self-signed certificate for hostName.
func generate(hostName string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: serial: %w", err)
	}
	names := []string{"localhost"}
	if hostName != "" && hostName != "localhost" && net.ParseIP(hostName) == nil {
		names = append([]string{hostName}, names...)
	}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if ip := net.ParseIP(hostName); ip != nil && !ip.IsLoopback() {
		ips = append(ips, ip)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"mailq self-signed"}},
		NotBefore:             now.Add(-time.Hour), // clocks of clients differ a little
		NotAfter:              now.Add(selfValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so a client can trust it as its own root (--cacert)
		DNSNames:              names,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: create certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tlsconf: encode key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	return certPEM, keyPEM, nil
}

// writeNew creates path (it must not exist), writes data and syncs it.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("tlsconf: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("tlsconf: write %s: %w", path, err)
	}
	return nil
}
