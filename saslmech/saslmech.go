// Package saslmech holds the server side of the SASL mechanisms that smtp's
// AUTH (RFC 4954) and pop3's AUTH (RFC 5034) both offer: LOGIN and CRAM-MD5
// here, PLAIN from github.com/emersion/go-sasl, and the decoding of a
// client's base64 response. The two servers differ only in how a response
// travels (334 or "+ " lines) and in what a login then does, so each
// mechanism takes a callback that is given the credentials and decides.
package saslmech

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
)

// Names of the mechanisms, in the order both servers list them.
const (
	Plain   = sasl.Plain
	Login   = sasl.Login
	CramMD5 = "CRAM-MD5"
)

// All lists every mechanism offered, for EHLO's AUTH and CAPA's SASL.
var All = []string{Plain, Login, CramMD5}

// SendsPassword reports whether mech carries the password itself, so that a
// server requiring TLS for passwords refuses it in plain text. CRAM-MD5
// sends only a digest (RFC 2195 §1), like APOP.
func SendsPassword(mech string) bool { return mech == Plain || mech == Login }

// ErrMalformed is the reason a response that does not fit its mechanism is
// refused (CRAM-MD5 without "user digest", a PLAIN message without its NULs).
var ErrMalformed = errors.New("saslmech: malformed response")

// ErrProxy is the reason PLAIN is refused when its authorization identity
// names another user: nobody may act for someone else (RFC 4616 §2).
var ErrProxy = errors.New("saslmech: authorization identity differs from the user")

// Decode decodes a client's base64 response; "=" is an empty initial
// response (RFC 4954 §4, RFC 5034 §4). Padding may be left out.
func Decode(s string) ([]byte, bool) {
	if s == "=" {
		return []byte{}, true
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	return b, err == nil
}

// Checks are the callbacks a server gives its mechanisms. Each receives
// the user name the client sent and returns nil to accept, or why not.
type Checks struct {
	// Password checks a user's password (PLAIN, LOGIN).
	Password func(user, password string) error
	// CRAM checks a CRAM-MD5 digest of challenge (hex).
	CRAM func(user, challenge, digestHex string) error
}

// New returns a server for the named mechanism (upper case), which records
// the user name it is given in *user; nil for a mechanism not offered. host
// goes into the CRAM-MD5 challenge.
func New(name, host string, user *string, c Checks) sasl.Server {
	switch name {
	case Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			*user = username
			if identity != "" && !strings.EqualFold(identity, username) {
				return ErrProxy // RFC 4616 §2: no acting for another user
			}
			return c.Password(username, password)
		})
	case Login:
		return &loginServer{user: user, check: c.Password}
	case CramMD5:
		return &cramServer{host: host, user: user, check: c.CRAM}
	}
	return nil
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): the
// server asks "Username:" then "Password:"; the username may come as the
// initial response.
type loginServer struct {
	user  *string
	check func(user, password string) error
	step  int
}

func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if resp == nil {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		*l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		*l.user, l.step = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		return nil, true, l.check(*l.user, string(resp))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// cramServer is CRAM-MD5 (RFC 2195): a unique challenge, then "user digest",
// the HMAC-MD5 of the challenge keyed with the password, in hex.
type cramServer struct {
	host      string
	user      *string
	check     func(user, challenge, digestHex string) error
	challenge string
}

func (c *cramServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	if c.challenge == "" {
		if resp != nil {
			return nil, false, sasl.ErrUnexpectedClientResponse // the server speaks first
		}
		var r [8]byte
		rand.Read(r[:])
		// RFC 2195 §2: a msg-id-like string that is never repeated.
		c.challenge = fmt.Sprintf("<%d.%d@%s>", binary.BigEndian.Uint64(r[:])>>1, time.Now().Unix(), c.host)
		return []byte(c.challenge), false, nil
	}
	i := strings.LastIndexByte(string(resp), ' ')
	if i <= 0 {
		return nil, false, ErrMalformed
	}
	*c.user = string(resp[:i])
	return nil, true, c.check(*c.user, c.challenge, string(resp[i+1:]))
}
