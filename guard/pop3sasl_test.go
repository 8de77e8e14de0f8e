package guard

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// auth runs POP3 AUTH mech (RFC 5034) for user and pw and returns the
// final answer: PLAIN with an initial response, LOGIN in two steps,
// CRAM-MD5 answering the server's challenge.
func (p *popSession) auth(mech, user, pw string) string {
	p.t.Helper()
	b64 := base64.StdEncoding.EncodeToString
	send := func(s string) { fmt.Fprintf(p.c, "%s\r\n", s) }
	challenge := func() []byte {
		l := p.line()
		if !strings.HasPrefix(l, "+ ") {
			p.t.Fatalf("AUTH %s: %q, want a challenge", mech, l)
		}
		c, err := base64.StdEncoding.DecodeString(l[2:])
		if err != nil {
			p.t.Fatalf("AUTH %s: challenge %q: %v", mech, l, err)
		}
		return c
	}
	switch mech {
	case "PLAIN":
		send("AUTH PLAIN " + b64([]byte("\x00"+user+"\x00"+pw)))
	case "LOGIN":
		send("AUTH LOGIN")
		challenge()
		send(b64([]byte(user)))
		challenge()
		send(b64([]byte(pw)))
	case "CRAM-MD5":
		send("AUTH CRAM-MD5")
		mac := hmac.New(md5.New, []byte(pw))
		mac.Write(challenge())
		send(b64([]byte(user + " " + hex.EncodeToString(mac.Sum(nil)))))
	}
	return p.line()
}

// TestLoginLimitsPOP3SASL: failed POP3 AUTH logins, whatever the
// mechanism, count towards POPLockout like USER/PASS, and the block then
// refuses every mechanism from that address, the right password included,
// while the owner logs in from elsewhere. Before, pop3 offered only PLAIN:
// LOGIN and CRAM-MD5 were refused as unknown and counted nothing.
func TestLoginLimitsPOP3SASL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ls := startLoginServers(t, e)
	const blocked = "-ERR [AUTH] too many failed logins of this account from [203.0.113.7]; try again later"
	guesses := []string{"PLAIN", "LOGIN", "CRAM-MD5", "LOGIN", "CRAM-MD5"} // POPLockout is 5
	for i, mech := range guesses {
		// Short sessions, as a guesser avoiding the per-session AutoBan uses.
		if got := ls.popFrom(t, remote).auth(mech, owner, fmt.Sprintf("guess%d", i)); got != "-ERR [AUTH] authentication failed" {
			t.Fatalf("guess %d with %s: %s", i+1, mech, got)
		}
	}
	for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
		if got := ls.popFrom(t, remote).auth(mech, owner, ownerPW); got != blocked {
			t.Fatalf("AUTH %s from the guessing address: %s", mech, got)
		}
	}
	if got := ls.popFrom(t, remote).login(owner, ownerPW); got != blocked {
		t.Fatalf("USER/PASS from the guessing address: %s", got)
	}
	if got := ls.popFrom(t, remote2).auth("CRAM-MD5", owner, ownerPW); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("owner with CRAM-MD5 from a fresh address: %s", got)
	}
}
