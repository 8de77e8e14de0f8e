package pop3

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailq/accounts"
)

var timestampRE = regexp.MustCompile(`<\d+\.[0-9A-F]{16}@mx\.test>`)

func apopDigest(timestamp, pw string) string {
	sum := md5.Sum([]byte(timestamp + pw))
	return hex.EncodeToString(sum[:])
}

// TestAPOP logs in with APOP (RFC 1939 §7) using the greeting's timestamp,
// and checks that the timestamp differs per connection, so a digest cannot
// be replayed.
func TestAPOP(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	ts := timestampRE.FindString(cl.greet)
	if ts == "" {
		t.Fatalf("no APOP timestamp in %q", cl.greet)
	}
	cl.must("+OK alice@test.example has 3 messages (143 octets)", "APOP %s %s", alice, apopDigest(ts, alicePW))
	cl.must("+OK", "QUIT")

	replay := dial(t, e.addr)
	if timestampRE.FindString(replay.greet) == ts {
		t.Fatalf("two connections got the same timestamp %s", ts)
	}
	replay.must("-ERR [AUTH] authentication failed", "APOP %s %s", alice, apopDigest(ts, alicePW))
	ts2 := timestampRE.FindString(replay.greet)
	replay.must("+OK", "APOP %s %s", strings.ToUpper(alice), strings.ToUpper(apopDigest(ts2, alicePW)))
}

// TestLockoutAndUnlock runs the whole round trip: failures lock the account
// in [Pop-Locked], the right password is then refused as locked, /UNLOCK
// (accounts.Unlock on the INI, as another process would) lets it in again
// while the server runs, and the count starts from zero.
func TestLockoutAndUnlock(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.POP.Lockout = 3 })
	fail := func(cl *client, pw, want string) {
		t.Helper()
		cl.must("+OK", "USER %s", alice)
		cl.must(want, "PASS %s", pw)
	}
	// Failures count across sessions.
	for range 2 {
		cl := dial(t, e.addr)
		fail(cl, "wrong", "-ERR [AUTH] authentication failed")
	}
	if e.users.Locked(alice) {
		t.Fatal("locked before reaching the limit")
	}
	cl := dial(t, e.addr)
	fail(cl, "wrong", "-ERR [AUTH] account locked")
	if !e.users.Locked(alice) {
		t.Fatal("not written to [Pop-Locked]")
	}
	ini, _ := os.ReadFile(e.acct.INI)
	if !regexp.MustCompile(`(?m)^\[Pop-Locked\]\s*\n` + regexp.QuoteMeta(alice) + `=True`).Match(ini) {
		t.Fatalf("mailq.ini:\n%s", ini)
	}
	fail(cl, alicePW, "-ERR [AUTH] account locked")
	fail(cl, alicePW, "-ERR [AUTH] account locked")

	wasLocked, err := accounts.Unlock(e.acct, alice)
	if err != nil || !wasLocked {
		t.Fatalf("Unlock = %v, %v", wasLocked, err)
	}
	cl = dial(t, e.addr)
	// The count starts again: two failures do not lock...
	fail(cl, "wrong", "-ERR [AUTH] authentication failed")
	fail(cl, "wrong", "-ERR [AUTH] authentication failed")
	// ...and a success resets it.
	cl.login(alice, alicePW)
	cl.must("+OK", "QUIT")
	cl = dial(t, e.addr)
	fail(cl, "wrong", "-ERR [AUTH] authentication failed")
	fail(cl, "wrong", "-ERR [AUTH] authentication failed")
	cl.login(alice, alicePW)
	if e.users.Locked(alice) {
		t.Fatal("locked although the failures were not consecutive")
	}
}

// TestLockedBeforeStart checks an account already in [Pop-Locked] when the
// server starts: the right password is refused with the ordinary answer,
// like a wrong one, until the name reaches the limit in this process.
func TestLockedBeforeStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.POP.Lockout = 2 })
	if err := e.users.Lock(alice); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	cl.must("-ERR [AUTH] authentication failed", "PASS %s", alicePW)
	cl.must("+OK", "USER %s", alice)
	cl.must("-ERR [AUTH] account locked", "PASS %s", alicePW)
	if _, err := accounts.Unlock(e.acct, alice); err != nil {
		t.Fatal(err)
	}
	cl.login(alice, alicePW)
}

// TestLockoutUnknownName checks the memory of a name that reached the limit
// while it was no account: tripped until the name becomes an account.
func TestLockoutUnknownName(t *testing.T) {
	t.Parallel()
	l := newLockout(1, time.Now)
	l.failed("a")
	l.noAccount("a")
	if !l.tripped("a", fakeAccounts{}) {
		t.Fatal("an unknown name at the limit is not tripped")
	}
	if l.tripped("a", fakeAccounts{exists: true}) {
		t.Fatal("still tripped after the name became an account")
	}
}

// TestLockedNameBecomesAccount checks a name that reached the limit while it
// was no account ("account locked", as for any name) and is then added with
// /ADDUSER: nothing was written to [Pop-Locked], so /UNLOCK could not clear
// it, and the new account must be able to log in at once.
func TestLockedNameBecomesAccount(t *testing.T) {
	t.Parallel()
	const carol, carolPW = "carol@test.example", "carol's pw"
	e := startServer(t, func(o *Options) { o.POP.Lockout = 2 })
	cl := dial(t, e.addr)
	for _, want := range []string{"-ERR [AUTH] authentication failed", "-ERR [AUTH] account locked"} {
		cl.must("+OK", "USER %s", carol)
		cl.must(want, "PASS %s", carolPW)
	}
	if err := accounts.Add(e.acct, carol, carolPW); err != nil {
		t.Fatal(err)
	}
	cl.must("+OK", "USER %s", carol)
	cl.must("+OK carol@test.example has 0 messages", "PASS %s", carolPW)
	if e.users.Locked(carol) {
		t.Fatal("the new account was written to [Pop-Locked]")
	}
}

// TestLockoutOff checks POPLockout=0: nothing is ever locked.
func TestLockoutOff(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.POP.Lockout = 0; o.MaxFailedCommands = 0 })
	cl := dial(t, e.addr)
	for range 30 {
		cl.must("+OK", "USER %s", alice)
		cl.must("-ERR [AUTH] authentication failed", "PASS wrong")
	}
	cl.login(alice, alicePW)
	if e.users.Locked(alice) {
		t.Fatal("locked with POPLockout=0")
	}
}

// TestFailDelay checks that a failed login is answered no sooner than
// FailDelay, for an unknown user as for a wrong password.
func TestFailDelay(t *testing.T) {
	t.Parallel()
	const delay = 150 * time.Millisecond
	e := startServer(t, func(o *Options) { o.FailDelay = delay })
	cl := dial(t, e.addr)
	for _, user := range []string{alice, "nobody@test.example"} {
		cl.must("+OK", "USER %s", user)
		start := time.Now()
		cl.must("-ERR [AUTH]", "PASS wrong")
		if d := time.Since(start); d < delay {
			t.Fatalf("failure for %s answered after %v, want at least %v", user, d, delay)
		}
	}
}

// fakeClock is a settable clock for the lockout's memory.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// fakeAccounts answers the lockout's questions about accounts.
type fakeAccounts struct{ exists, locked bool }

func (f fakeAccounts) Exists(string) bool { return f.exists }
func (f fakeAccounts) Locked(string) bool { return f.locked }

func TestLockoutMemory(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	never := fakeAccounts{exists: true, locked: false}
	always := fakeAccounts{exists: true, locked: true}

	t.Run("counts and trips", func(t *testing.T) {
		l := newLockout(3, clock.now)
		for i, want := range []struct{ reached, locked bool }{{false, false}, {false, false}, {true, true}, {false, true}} {
			n, reached, locked := l.failed("a")
			if n != i+1 || reached != want.reached || locked != want.locked {
				t.Fatalf("failure %d: %d %v %v", i+1, n, reached, locked)
			}
		}
		if !l.tripped("a", never) {
			t.Fatal("not tripped after the limit (never written, so no unlock to notice)")
		}
		if l.tripped("b", never) {
			t.Fatal("another name tripped")
		}
	})
	t.Run("unlock noticed only when written", func(t *testing.T) {
		l := newLockout(1, clock.now)
		l.failed("a")
		if !l.tripped("a", always) {
			t.Fatal("not tripped")
		}
		l.wrote("a")
		if !l.tripped("a", always) {
			t.Fatal("still locked in the INI but not tripped")
		}
		if l.tripped("a", never) {
			t.Fatal("unlocked in the INI but still tripped")
		}
		if _, _, locked := l.failed("a"); !locked {
			t.Fatal("the count did not start again after the unlock")
		}
	})
	t.Run("forgotten after a day", func(t *testing.T) {
		c := &fakeClock{t: clock.t}
		l := newLockout(2, c.now)
		l.failed("a")
		c.t = c.t.Add(lockoutMemory + time.Second)
		if n, _, _ := l.failed("a"); n != 1 {
			t.Fatalf("count %d after a day, want 1", n)
		}
		l.failed("a")
		c.t = c.t.Add(lockoutMemory + time.Second)
		if l.tripped("a", never) {
			t.Fatal("still tripped after a day")
		}
	})
	t.Run("bounded", func(t *testing.T) {
		c := &fakeClock{t: clock.t}
		l := newLockout(5, c.now)
		for i := range lockoutNames + 100 {
			c.t = c.t.Add(time.Millisecond)
			l.failed(strings.Repeat("x", 1+i%7) + string(rune('a'+i%26)) + time.Duration(i).String())
		}
		if len(l.names) > lockoutNames {
			t.Fatalf("%d names remembered, bound %d", len(l.names), lockoutNames)
		}
	})
	t.Run("success resets", func(t *testing.T) {
		l := newLockout(2, clock.now)
		l.failed("a")
		l.succeeded("a")
		if _, _, locked := l.failed("a"); locked {
			t.Fatal("count survived a success")
		}
	})
}

// TestUnusableSecretNotCounted checks logins to an account whose password
// the server cannot check (here mailq.key is gone): refused like a wrong
// password, but never counted towards the lockout, so restoring the key is
// enough to let the user in again.
func TestUnusableSecretNotCounted(t *testing.T) {
	t.Parallel()
	e := startServer(t, func(o *Options) { o.POP.Lockout = 2 })
	key, err := os.ReadFile(e.acct.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(e.acct.Key); err != nil {
		t.Fatal(err)
	}
	cl := dial(t, e.addr)
	for range 5 {
		cl.must("+OK", "USER %s", alice)
		cl.must("-ERR [AUTH] authentication failed", "PASS %s", alicePW)
	}
	if e.users.Locked(alice) {
		t.Fatal("locked because of the server's problem")
	}
	if !strings.Contains(e.log.String(), "/SETPASS") {
		t.Fatalf("no hint for the administrator:\n%s", e.log)
	}
	if err := os.WriteFile(e.acct.Key, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cl.login(alice, alicePW)
}
