package pop3

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/internal/testutil"
)

// cram answers a "+ " CRAM-MD5 challenge line for user and pw (RFC 2195).
func cram(t *testing.T, line, user, pw string) string {
	t.Helper()
	ch, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "+ "))
	if err != nil || !strings.HasPrefix(line, "+ ") {
		t.Fatalf("challenge %q: %v", line, err)
	}
	mac := hmac.New(md5.New, []byte(pw))
	mac.Write(ch)
	return base64.StdEncoding.EncodeToString([]byte(user + " " + hex.EncodeToString(mac.Sum(nil))))
}

// TestAuthCRAMMD5 logs in with CRAM-MD5 (RFC 2195): each AUTH gets a fresh
// challenge, so a response cannot be replayed.
func TestAuthCRAMMD5(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	first := cl.must("+ ", "AUTH CRAM-MD5")
	cl.must("-ERR [AUTH] authentication failed", "%s", cram(t, first, alice, "wrong"))
	second := cl.must("+ ", "AUTH CRAM-MD5")
	if second == first {
		t.Fatalf("the same challenge twice: %q", first)
	}
	cl.must("-ERR [AUTH] authentication failed", "%s", cram(t, first, alice, alicePW)) // a replay
	third := cl.must("+ ", "AUTH CRAM-MD5")
	cl.must("+OK alice@test.example has 3 messages", "%s", cram(t, third, alice, alicePW))
	if !strings.Contains(e.log.String(), "logged in from [127.0.0.1] (AUTH CRAM-MD5)") {
		t.Fatalf("log:\n%s", e.log)
	}
}

// TestAuthLoginGuard checks that every mechanism calls the LoginGuard as
// USER/PASS does, from a remote address: asked before the check, a refusal
// answered with its own reply and counted unchecked (the right password
// refused too), a wrong password counted as a checked guess, each failure
// told to Guard.LoginFailed with the session's count, and answered no
// sooner than FailDelay.
func TestAuthLoginGuard(t *testing.T) {
	t.Parallel()
	const delay = 100 * time.Millisecond
	g := &loginGuard{refuse: map[string]bool{bob: true}}
	e := newEnv(t, func(o *Options) { o.Guard = g; o.FailDelay = delay })
	ln := testutil.ListenRemote(t)
	e.startOn(t, ln)
	cl := remoteClient(t, ln, "192.0.2.180")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	login := func(mech, user, pw string) string {
		switch mech {
		case "PLAIN":
			return cl.cmd("AUTH PLAIN %s", b64("\x00"+user+"\x00"+pw))
		case "LOGIN":
			cl.must("+ ", "AUTH LOGIN %s", b64(user))
			return cl.cmd("%s", b64(pw))
		}
		return cl.cmd("%s", cram(t, cl.must("+ ", "AUTH CRAM-MD5"), user, pw))
	}
	for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
		for _, tc := range []struct{ user, pw, reply, events string }{
			{bob, bobPW, "-ERR [AUTH] account locked after too many failed logins; try again later",
				"allowed? bob@test.example; counted bob@test.example checked=false"},
			{alice, "wrong", "-ERR [AUTH] authentication failed",
				"allowed? alice@test.example; counted alice@test.example checked=true"},
		} {
			g.mu.Lock()
			g.events = nil
			g.mu.Unlock()
			start := time.Now()
			if got := login(mech, tc.user, tc.pw); got != tc.reply {
				t.Fatalf("%s %s: %q, want %q", mech, tc.user, got, tc.reply)
			}
			if d := time.Since(start); d < delay {
				t.Errorf("%s %s: failure answered after %v, want at least %v", mech, tc.user, d, delay)
			}
			if got := g.list(); got != tc.events {
				t.Errorf("%s %s: events %q, want %q", mech, tc.user, got, tc.events)
			}
		}
	}
	if got := login("LOGIN", alice, alicePW); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("the right password: %q", got)
	}
	if !strings.Contains(e.log.String(), "logged in from [192.0.2.180] (AUTH LOGIN)") {
		t.Fatalf("log:\n%s", e.log)
	}
}

// TestMpopSASL fetches with mpop using each mechanism it is told to use
// (auth login, auth cram-md5), keeping the messages.
func TestMpopSASL(t *testing.T) {
	t.Parallel()
	mpop := testutil.Program(t, "mpop")
	e := startServer(t)
	host, port := hostPort(t, e.addr)
	for _, mech := range []string{"login", "cram-md5"} {
		dir := t.TempDir()
		mbox := filepath.Join(dir, "mbox")
		conf := filepath.Join(dir, "mpoprc")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf("account default\nhost %s\nport %s\n"+
			"user %s\npassword %s\nauth %s\ntls off\ntimeout 20\n"+
			"uidls_file %s\ndelivery mbox %s\n",
			host, port, alice, alicePW, mech, filepath.Join(dir, "uidls"), mbox)), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, dir, nil, mpop, "-C", conf, "--keep=on", "-q")
		data, _ := os.ReadFile(mbox)
		if !strings.Contains(string(data), "Hello Alice.") || !strings.Contains(string(data), "line two") {
			t.Fatalf("mbox after mpop with auth %s:\n%s", mech, data)
		}
		if want := "(AUTH " + strings.ToUpper(mech) + ")"; !strings.Contains(e.log.String(), want) {
			t.Fatalf("mpop did not log in with %s:\n%s", want, e.log)
		}
	}
}

// TestUTF8Account logs in to an account whose name is not ASCII (added as
// /adduser does, SMTPUTF8's form: NFC, A-label domain), with USER/PASS and
// with CRAM-MD5, and reads the message the MDA's delivery filed in its NFC
// folder; the name is matched without case.
func TestUTF8Account(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := accounts.Add(e.acct, "Jörg@Bücher.example", "pw"); err != nil {
		t.Fatal(err)
	}
	const name = "jörg@xn--bcher-kva.example"
	e.deliver(t, "JÖRG@xn--bcher-kva.example", "2024010112000000000009", "Subject: Grüße\r\n\r\nhallo\r\n")
	if _, err := os.Stat(e.mailboxDir(name)); err != nil {
		t.Fatalf("mailbox folder: %v", err)
	}
	e.start(t)
	cl := dial(t, e.addr)
	cl.must("+OK", "UTF8") // RFC 6856: the reply may name the account in UTF-8
	cl.must("+OK", "USER JÖRG@xn--bcher-kva.example")
	cl.must("+OK "+name+" has 1 message (", "PASS pw")
	cl.must("+OK", "QUIT")
	cl = dial(t, e.addr)
	cl.must("+OK", "UTF8")
	cl.must("+OK "+name+" has 1 message (", "%s", cram(t, cl.must("+ ", "AUTH CRAM-MD5"), name, "pw"))
}
