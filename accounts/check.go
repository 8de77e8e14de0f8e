package accounts

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
)

// secret returns the password of addr for a check, or why there is none:
// ErrUnknown, ErrLocked or ErrSecret, wrapped with the address and what to do.
func (s *Store) secret(addr string) ([]byte, error) {
	a := strings.ToLower(addr)
	snap := s.current()
	value, ok := snap.users[a]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %s", ErrUnknown, a)
	case snap.locked[a]:
		// A locked account is refused for SMTP AUTH too, or the lockout could
		// be sidestepped by guessing there.
		return nil, fmt.Errorf("%w: %s (unlock it with /UNLOCK)", ErrLocked, a)
	}
	if _, err := parseValue(value); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, err)
	}
	if snap.keyErr != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, snap.keyErr)
	}
	pw, err := unseal(snap.key, a, value)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, err)
	}
	return pw, nil
}

// CheckPassword checks a password given in clear: POP3 USER/PASS, SMTP AUTH
// PLAIN and AUTH LOGIN. It returns nil, or an error wrapping ErrUnknown,
// ErrLocked, ErrSecret or ErrPassword.
func (s *Store) CheckPassword(addr, password string) error {
	pw, err := s.secret(addr)
	if err != nil {
		return err
	}
	// Comparing digests keeps the time independent of where, and whether in
	// length, the strings differ.
	want, got := sha256.Sum256(pw), sha256.Sum256([]byte(password))
	return match(addr, want[:], got[:])
}

// CheckAPOP checks a POP3 APOP command (RFC 1939 §7): digestHex must be the
// MD5 of timestamp (the greeting's "<...>", brackets included) followed by the
// password, in hex of either case.
func (s *Store) CheckAPOP(addr, timestamp, digestHex string) error {
	pw, err := s.secret(addr)
	if err != nil {
		return err
	}
	want := md5.Sum(append([]byte(timestamp), pw...))
	return matchHex(addr, want[:], digestHex)
}

// CheckCRAMMD5 checks an SMTP AUTH CRAM-MD5 response (RFC 2195 §2):
// digestHex must be the HMAC-MD5 of challenge (as sent, decoded from base64)
// keyed with the password, in hex of either case.
func (s *Store) CheckCRAMMD5(addr, challenge, digestHex string) error {
	pw, err := s.secret(addr)
	if err != nil {
		return err
	}
	mac := hmac.New(md5.New, pw)
	mac.Write([]byte(challenge))
	return matchHex(addr, mac.Sum(nil), digestHex)
}

func matchHex(addr string, want []byte, digestHex string) error {
	got, err := hex.DecodeString(digestHex)
	if err != nil || len(got) != len(want) {
		return fmt.Errorf("%w: %s (malformed digest)", ErrPassword, strings.ToLower(addr))
	}
	return match(addr, want, got)
}

func match(addr string, want, got []byte) error {
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return fmt.Errorf("%w: %s", ErrPassword, strings.ToLower(addr))
	}
	return nil
}
