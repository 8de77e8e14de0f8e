package smtp

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// cramResponse answers a CRAM-MD5 challenge line ("334 <base64>").
func cramResponse(t *testing.T, line, user, pass string) string {
	t.Helper()
	ch, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "334 "))
	if err != nil {
		t.Fatalf("challenge %q: %v", line, err)
	}
	if !strings.HasPrefix(string(ch), "<") || !strings.HasSuffix(string(ch), "@mx.test>") {
		t.Fatalf("challenge %q is not msg-id-like (RFC 2195 §2)", ch)
	}
	mac := hmac.New(md5.New, []byte(pass))
	mac.Write(ch)
	return base64.StdEncoding.EncodeToString([]byte(user + " " + hex.EncodeToString(mac.Sum(nil))))
}

func TestAuthCRAMMD5(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	first := c.expect("AUTH CRAM-MD5", "334 ")
	c.expect(cramResponse(t, first, bobUser, "wrong"), "535 5.7.8 ")
	second := c.expect("AUTH CRAM-MD5", "334 ")
	if second == first {
		t.Fatal("the same challenge twice")
	}
	// An answer to the old challenge is refused.
	c.expect(cramResponse(t, first, bobUser, bobPass), "535 5.7.8 ")
	third := c.expect("AUTH cram-md5", "334 ")
	c.expect(cramResponse(t, third, "Bob@Test.Example", bobPass), "235 2.7.0 ")
	if r := c.send(bobUser, []string{"x@elsewhere.example"}, "Subject: crammed\r\n\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
		t.Fatal(r)
	}
	eml, env := ts.only(t)
	if env.AuthUser != bobUser || !strings.Contains(eml, " with ESMTPA id ") {
		t.Fatalf("auth user %q, message:\n%s", env.AuthUser, eml)
	}
	ts.waitLog(t, "authenticated as bob@test.example (CRAM-MD5)")
}

// TestAuthFailureReasons checks that the client gets one answer for every
// failure while the log says what really happened.
func TestAuthFailureReasons(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	for _, cred := range [][2]string{
		{adminUser, "wrong"}, {"nobody@test.example", "x"}, {lockedUsr, "x"}, {brokenUsr, "x"},
	} {
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + cred[0] + "\x00" + cred[1]))
		c.expect("AUTH PLAIN "+ir, "535 5.7.8 Authentication credentials invalid")
	}
	c.expect("QUIT", "221 ")
	for _, reason := range []string{"wrong password", "no such account", "account is locked", "stored password cannot be used"} {
		ts.waitLog(t, reason)
	}
	if log := ts.logs.String(); strings.Contains(log, "AGFkbWlu") || strings.Contains(log, "wrong\x00") {
		t.Fatalf("credentials in the log:\n%s", log)
	}
}

// TestAuthBan checks that the Guard can close the session after failed
// logins (auto-ban).
func TestAuthBan(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Guard = banAfter{2} })
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQB3cm9uZw==", "535 ")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQB3cm9uZw==", "421 4.7.0 Banned")
	c.closed()
}

type banAfter struct{ n int }

func (banAfter) Connect(context.Context, Client) (func(), error) { return nil, nil }
func (banAfter) Mail(Client, string) error                       { return nil }
func (banAfter) MayRelay(Client) bool                            { return false }
func (banAfter) UnknownRecipient(Client, string, int) error      { return nil }
func (banAfter) Message(Client, int64, int) error                { return nil }
func (banAfter) FailedCommand(Client, int) error                 { return nil }
func (b banAfter) AuthFailed(_ Client, n int) error {
	if n >= b.n {
		return reply(421, "4.7.0", "Banned").closing()
	}
	return nil
}

// TestAuthSecretsNotLogged fails a login with each way of sending a
// password and checks that no credential reaches the log: the rejected
// command is logged as "AUTH <mechanism>" only, never a response line.
func TestAuthSecretsNotLogged(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	b64 := base64.StdEncoding.EncodeToString
	plain := b64([]byte("\x00" + adminUser + "\x00wrong-plain"))
	c.expect("AUTH PLAIN "+plain, "535 5.7.8 ")
	c.expect("AUTH PLAIN", "334 ")
	c.expect(plain, "535 5.7.8 ")
	c.expect("AUTH LOGIN", "334 ")
	c.expect(b64([]byte(adminUser)), "334 ")
	login := b64([]byte("wrong-login"))
	c.expect(login, "535 5.7.8 ")
	c.expect("QUIT", "221 ")
	ts.waitLog(t, "disconnected (quit)")
	log := ts.logs.String()
	for _, secret := range []string{plain, login, "wrong-plain", "wrong-login"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "AUTH LOGIN -> 535 5.7.8") {
		t.Errorf("the failed AUTH LOGIN is not logged as such:\n%s", log)
	}
}
