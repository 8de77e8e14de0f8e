package msgauth

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// SignKey is one domain's signing key (a [DKIM] entry, loaded).
type SignKey struct {
	Domain, Selector string
	Key              crypto.Signer // *rsa.PrivateKey or ed25519.PrivateKey
}

// Signer signs outgoing mail with the key of its From domain. It is
// immutable and safe for concurrent use.
type Signer struct {
	keys map[string]SignKey // by lower-case domain
}

// signedFields are the header fields signed when present (RFC 6376
// §5.4.1's list, with Message-ID and the MIME fields); From is signed once
// more than it occurs, so that no From can be added (§8.15).
var signedFields = []string{"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-To", "Resent-Cc", "In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive",
	"Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// minRSABits is the smallest RSA key accepted for signing: RFC 8301 §3.2
// says verifiers may refuse smaller ones.
const minRSABits = 1024

// NewSigner returns a Signer for keys; nil (signing nothing) when there
// are none.
func NewSigner(keys []SignKey) *Signer {
	if len(keys) == 0 {
		return nil
	}
	s := &Signer{keys: map[string]SignKey{}}
	for _, k := range keys {
		s.keys[strings.ToLower(k.Domain)] = k
	}
	return s
}

// LoadKey reads a PEM private key file (PKCS #8, or PKCS #1 for RSA), as
// /DKIMKEY and other tools write them.
func LoadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%s: no PEM private key in the file", path)
	}
	var key any
	switch b.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("%s: a %q block, not a private key", path, b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%s: an RSA key of %d bits; DKIM needs at least %d (RFC 8301 §3.2)", path, k.N.BitLen(), minRSABits)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("%s: a %T key; DKIM signs with RSA or Ed25519", path, key)
}

// Sign returns the DKIM-Signature field (with CRLF) to put in front of the
// message read from r, or "" when its From domain has no key. It reads r
// to its end.
func (s *Signer) Sign(r io.Reader) (string, error) {
	if s == nil {
		return "", nil
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var head bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		head.Write(line)
		if len(bytes.TrimRight(line, "\r\n")) == 0 || err != nil {
			if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
				return "", err
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
	}
	msg := head.Bytes()
	dom, ok := fromDomain(msg)
	if !ok {
		return "", nil
	}
	k, ok := s.keys[dom]
	if !ok {
		return "", nil
	}
	fs, _ := fields(msg)
	keys := []string{"From"} // the extra From (oversigning)
	for _, name := range signedFields {
		for _, f := range fs {
			if strings.EqualFold(f.name, name) {
				keys = append(keys, name)
			}
		}
	}
	sg, err := dkim.NewSigner(&dkim.SignOptions{Domain: k.Domain, Selector: k.Selector, Signer: k.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: keys})
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(sg, io.MultiReader(bytes.NewReader(msg), br)); err != nil {
		sg.Close()
		return "", err
	}
	if err := sg.Close(); err != nil {
		return "", err
	}
	return sg.Signature(), nil
}
