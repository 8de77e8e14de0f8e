package accounts

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const (
	valuePrefix = "v1:"
	keySize     = 32 // AES-256
	nonceSize   = 12 // cipher.NewGCMWithRandomNonce
	tagSize     = 16
	padBlock    = 64
	// maxPassword keeps "PASS <password>" CRLF within the 255 octets RFC 1939
	// §3 allows a POP3 command.
	maxPassword = 248
	aadPrefix   = "mailq account v1\x00"
)

var b64 = base64.RawURLEncoding.Strict()

// Reasons a stored value does not give a password; wrapped in ErrSecret.
var (
	errLegacy  = errors.New("the value is not in mailq's format (perhaps a hash from the original MailQ); set a new password with /SETPASS")
	errDamaged = errors.New("the value is damaged; set a new password with /SETPASS")
	errNoOpen  = errors.New("the value does not open with mailq.key (damaged, copied from another account, or sealed with another key); set a new password with /SETPASS")
)

// parseValue checks the form of a stored value and returns the sealed bytes
// (nonce, ciphertext, tag).
func parseValue(v string) ([]byte, error) {
	rest, ok := strings.CutPrefix(v, valuePrefix)
	if !ok {
		return nil, errLegacy
	}
	// The decoder skips CR and LF; refusing them keeps one value one text.
	raw, err := b64.DecodeString(rest)
	if err != nil || strings.ContainsAny(rest, "\r\n") {
		return nil, errDamaged
	}
	body := len(raw) - nonceSize - tagSize
	if body < padBlock || body%padBlock != 0 || body > maxPassword+padBlock {
		return nil, errDamaged
	}
	return raw, nil
}

func formatValue(raw []byte) string { return valuePrefix + b64.EncodeToString(raw) }

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCMWithRandomNonce(block)
}

// aad binds a value to its account: the address in lower case.
func aad(addr string) []byte { return []byte(aadPrefix + strings.ToLower(addr)) }

// seal returns the stored value for password on account addr.
func seal(key []byte, addr, password string) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", fmt.Errorf("accounts: seal: %w", err)
	}
	return formatValue(aead.Seal(nil, nil, pad([]byte(password)), aad(addr))), nil
}

// unseal returns the password stored in value for account addr.
func unseal(key []byte, addr, value string) ([]byte, error) {
	raw, err := parseValue(value)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("accounts: unseal: %w", err)
	}
	padded, err := aead.Open(nil, nil, raw, aad(addr))
	if err != nil {
		return nil, errNoOpen
	}
	pw, ok := unpad(padded)
	if !ok {
		return nil, errDamaged
	}
	return pw, nil
}

// pad appends 0x80 and zeros up to a multiple of padBlock (ISO/IEC 7816-4).
func pad(p []byte) []byte {
	n := (len(p)/padBlock + 1) * padBlock
	out := make([]byte, n)
	copy(out, p)
	out[len(p)] = 0x80
	return out
}

func unpad(p []byte) ([]byte, bool) {
	i := len(p) - 1
	for i >= 0 && p[i] == 0 {
		i--
	}
	if i < 0 || p[i] != 0x80 {
		return nil, false
	}
	return p[:i], true
}
