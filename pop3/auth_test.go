package pop3

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"sync"
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

// loginGuard is a LoginGuard that refuses the names in refuse (unchecked)
// and records what it is told.
type loginGuard struct {
	AllowAll
	refuse map[string]bool

	mu     sync.Mutex
	events []string
}

func (g *loginGuard) add(s string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.events = append(g.events, s)
}

func (g *loginGuard) list() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.events, "; ")
}

func (g *loginGuard) LoginAllowed(ip netip.Addr, user string) error {
	g.add("allowed? " + user)
	if g.refuse[user] {
		return Reply{Code: CodeAuth, Text: "account locked after too many failed logins; try again later"}
	}
	return nil
}

func (g *loginGuard) LoginCounted(ip netip.Addr, user string, checked bool) error {
	g.add(fmt.Sprintf("counted %s checked=%v", user, checked))
	return nil
}

func (g *loginGuard) LoggedIn(ip netip.Addr, user string) { g.add("logged in " + user) }

// TestLoginGuard checks the calls to a LoginGuard: asked before every
// check; a refusal answered with its own reply, the password unchecked
// (the right one is refused too), and counted as unchecked; wrong
// passwords, unknown names and [Pop-Locked] accounts answered alike and
// counted as checked guesses.
func TestLoginGuard(t *testing.T) {
	t.Parallel()
	g := &loginGuard{refuse: map[string]bool{bob: true}}
	e := newEnv(t, func(o *Options) { o.Guard = g })
	const carol = "carol@test.example"
	if err := accounts.Add(e.acct, carol, "pw"); err != nil {
		t.Fatal(err)
	}
	if err := e.users.Lock(carol); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	cl := dial(t, e.addr)
	for _, tc := range []struct{ user, pw, reply, events string }{
		{bob, bobPW, "-ERR [AUTH] account locked after too many failed logins; try again later",
			"allowed? bob@test.example; counted bob@test.example checked=false"},
		{alice, "wrong", "-ERR [AUTH] authentication failed",
			"allowed? alice@test.example; counted alice@test.example checked=true"},
		{"nobody@test.example", "wrong", "-ERR [AUTH] authentication failed",
			"allowed? nobody@test.example; counted nobody@test.example checked=true"},
		{carol, "pw", "-ERR [AUTH] authentication failed",
			"allowed? carol@test.example; counted carol@test.example checked=true"},
		{alice, alicePW, "+OK", "allowed? alice@test.example; logged in alice@test.example"},
	} {
		g.mu.Lock()
		g.events = nil
		g.mu.Unlock()
		cl.must("+OK", "USER %s", tc.user)
		cl.must(tc.reply, "PASS %s", tc.pw)
		if got := g.list(); got != tc.events {
			t.Errorf("%s/%s: events %q, want %q", tc.user, tc.pw, got, tc.events)
		}
	}
	if !strings.Contains(e.log.String(), "/UNLOCK:"+carol) {
		t.Errorf("the log does not say how to unlock %s:\n%s", carol, e.log)
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

// TestUnusableSecretNotCounted checks logins to an account whose password
// the server cannot check (here mailq.key is gone): refused like a wrong
// password, but never counted towards the lockout, so restoring the key is
// enough to let the user in again.
func TestUnusableSecretNotCounted(t *testing.T) {
	t.Parallel()
	g := &loginGuard{}
	e := startServer(t, func(o *Options) { o.Guard = g })
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
	if strings.Contains(g.list(), "counted") {
		t.Fatalf("the server's problem was counted as a failed login: %s", g.list())
	}
	if !strings.Contains(e.log.String(), "/SETPASS") {
		t.Fatalf("no hint for the administrator:\n%s", e.log)
	}
	if err := os.WriteFile(e.acct.Key, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cl.login(alice, alicePW)
}
