package msgauth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
)

// rsaBits is the size of the RSA keys GenerateKey makes (RFC 8301 §3.2:
// at least 1024, 2048 advised; longer ones no longer fit in one DNS
// string and many providers' forms).
const rsaBits = 2048

// GenerateKey makes a signing key, RSA 2048 or Ed25519 (RFC 8463), and
// returns it as a PEM file (PKCS #8) for LoadKey.
func GenerateKey(ed bool) (crypto.Signer, []byte, error) {
	var key crypto.Signer
	var err error
	if ed {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, rsaBits)
	}
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// KeyRecord is the text of the DNS TXT record that publishes key's public
// half (RFC 6376 §3.6.1; Ed25519: RFC 8463 §4.2, the raw 32-byte key).
func KeyRecord(key crypto.Signer) (string, error) {
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub), nil
	}
	return "", fmt.Errorf("msgauth: a %T key; DKIM signs with RSA or Ed25519", key)
}

// ZoneLine is the record as a zone-file line: the text cut into strings of
// at most 255 octets (RFC 1035 §3.3.14), which DNS servers join again.
func ZoneLine(domain, selector, record string) string {
	var parts []string
	for len(record) > 255 {
		parts = append(parts, record[:255])
		record = record[255:]
	}
	parts = append(parts, record)
	return fmt.Sprintf("%s._domainkey.%s. IN TXT \"%s\"", selector, domain, strings.Join(parts, "\" \""))
}
