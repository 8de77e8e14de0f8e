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

// dummyAddr is the account the dummy secret is sealed for: no real account
// can have it, as it is not an address.
const dummyAddr = "\x00no account"

// secret returns the password to check a login of addr against, and refuse,
// the error to return whatever the check gives: ErrUnknown, ErrLocked or
// ErrSecret, wrapped with the address and what to do. For an unknown or
// locked account, pw is still a password (the dummy's, or the account's), so
// that every check does the same work, a value opened with the key and a
// digest compared: an answer that came sooner for unknown names would tell
// which names exist.
func (s *Store) secret(addr string) (pw []byte, refuse error) {
	a := strings.ToLower(addr)
	snap := s.current()
	value, ok := snap.users[a]
	sealedFor := a
	switch {
	case !ok:
		refuse = fmt.Errorf("%w: %s", ErrUnknown, a)
		value, sealedFor = snap.dummy, dummyAddr
	case snap.locked[a]:
		// A locked account is refused for SMTP AUTH too, or the lockout could
		// be sidestepped by guessing there.
		refuse = fmt.Errorf("%w: %s (unlock it with /UNLOCK:%s)", ErrLocked, a, a)
	}
	if _, err := parseValue(value); err != nil && ok {
		if refuse != nil {
			return nil, refuse
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, err)
	}
	if snap.keyErr != nil {
		if refuse != nil {
			return nil, refuse
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, snap.keyErr)
	}
	s.opened.Add(1)
	pw, err := unseal(snap.key, sealedFor, value)
	if err != nil && refuse == nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSecret, a, err)
	}
	return pw, refuse
}

// verify finishes a check: it compares want with got in constant time and
// returns refuse if set, else nil or ErrPassword.
func (s *Store) verify(addr string, want, got []byte, refuse error) error {
	s.compared.Add(1)
	err := match(addr, want, got)
	if refuse != nil {
		return refuse
	}
	return err
}

// CheckPassword checks a password given in clear: POP3 USER/PASS, SMTP AUTH
// PLAIN and AUTH LOGIN. It returns nil, or an error wrapping ErrUnknown,
// ErrLocked, ErrSecret or ErrPassword.
func (s *Store) CheckPassword(addr, password string) error {
	pw, refuse := s.secret(addr)
	if pw == nil {
		return refuse
	}
	// Comparing digests keeps the time independent of where, and whether in
	// length, the strings differ.
	want, got := sha256.Sum256(pw), sha256.Sum256([]byte(password))
	return s.verify(addr, want[:], got[:], refuse)
}

// CheckAPOP checks a POP3 APOP command (RFC 1939 §7): digestHex must be the
// MD5 of timestamp (the greeting's "<...>", brackets included) followed by the
// password, in hex of either case.
func (s *Store) CheckAPOP(addr, timestamp, digestHex string) error {
	pw, refuse := s.secret(addr)
	if pw == nil {
		return refuse
	}
	want := md5.Sum(append([]byte(timestamp), pw...))
	return s.verifyHex(addr, want[:], digestHex, refuse)
}

// CheckCRAMMD5 checks an SMTP AUTH CRAM-MD5 response (RFC 2195 §2):
// digestHex must be the HMAC-MD5 of challenge (as sent, decoded from base64)
// keyed with the password, in hex of either case.
func (s *Store) CheckCRAMMD5(addr, challenge, digestHex string) error {
	pw, refuse := s.secret(addr)
	if pw == nil {
		return refuse
	}
	mac := hmac.New(md5.New, pw)
	mac.Write([]byte(challenge))
	return s.verifyHex(addr, mac.Sum(nil), digestHex, refuse)
}

func (s *Store) verifyHex(addr string, want []byte, digestHex string, refuse error) error {
	got, err := hex.DecodeString(digestHex)
	malformed := err != nil || len(got) != len(want)
	if malformed {
		got = make([]byte, len(want)) // compared all the same
	}
	verr := s.verify(addr, want, got, refuse)
	if refuse == nil && malformed {
		return fmt.Errorf("%w: %s (malformed digest)", ErrPassword, strings.ToLower(addr))
	}
	return verr
}

func match(addr string, want, got []byte) error {
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return fmt.Errorf("%w: %s", ErrPassword, strings.ToLower(addr))
	}
	return nil
}
