package smtp

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingAccounts counts the credential checks that reach the accounts.
type countingAccounts struct {
	Accounts
	mu     sync.Mutex
	checks []string
}

func (a *countingAccounts) note(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks = append(a.checks, s)
}

func (a *countingAccounts) take() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.checks
	a.checks = nil
	return c
}

func (a *countingAccounts) CheckPassword(addr, pw string) error {
	a.note("password " + addr)
	return a.Accounts.CheckPassword(addr, pw)
}

func (a *countingAccounts) CheckCRAMMD5(addr, challenge, digest string) error {
	a.note("cram " + addr)
	return a.Accounts.CheckCRAMMD5(addr, challenge, digest)
}

// pauses records the server's failPause calls instead of waiting.
type pauses struct {
	mu    sync.Mutex
	calls []time.Duration
}

func (p *pauses) pause(start time.Time, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, d)
}

func (p *pauses) take() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.calls
	p.calls = nil
	return c
}

// loginGuard is a LoginGuard that refuses one name and records what it is
// told.
type loginGuard struct {
	OpenGuard
	refuse string
	mu     sync.Mutex
	events []string
}

func (g *loginGuard) add(s string) { g.mu.Lock(); g.events = append(g.events, s); g.mu.Unlock() }

func (g *loginGuard) take() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := strings.Join(g.events, "; ")
	g.events = nil
	return s
}

func (g *loginGuard) LoginAllowed(c Client, user string) error {
	g.add("allowed? " + user)
	if user == g.refuse {
		return reply(454, "4.7.0", "Account locked after too many failed logins; try again later")
	}
	return nil
}

func (g *loginGuard) LoginCounted(c Client, user string, checked bool) error {
	g.add(fmt.Sprintf("counted %s %v", user, checked))
	return nil
}

func (g *loginGuard) LoginSucceeded(c Client, user string) { g.add("succeeded " + user) }

// TestAuthSameForUnknownNames checks, structurally and without timing
// anything, that a failed AUTH of a name that is no account goes the same
// way as a wrong password: the same credentials check at the accounts (which
// check an unknown name against a dummy secret; see package accounts), the
// same answer, the same one call of the FailDelay pause, for every
// mechanism. A [Pop-Locked] account and an attempt the LoginGuard refuses
// get the same pause too. Before, a failed AUTH was answered at once.
func TestAuthSameForUnknownNames(t *testing.T) {
	t.Parallel()
	acc := &countingAccounts{Accounts: sharedAccounts}
	p := &pauses{}
	g := &loginGuard{refuse: "blocked@test.example"}
	ts := startServerWith(t, func(s *Server) { s.pause = p.pause }, func(o *Options) {
		o.Accounts, o.Guard, o.FailDelay = acc, g, time.Second
	})
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	plain := func(user, pw string) string {
		return "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pw))
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	runs := map[string]func(user string) string{
		"plain": func(user string) string { return c.cmd(plain(user, "wrong")) },
		"login": func(user string) string {
			c.expect("AUTH LOGIN "+b64(user), "334")
			return c.cmd(b64("wrong"))
		},
		"cram-md5": func(user string) string {
			ch := c.expect("AUTH CRAM-MD5", "334 ")
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ch, "334 "))
			m := hmac.New(md5.New, []byte("wrong"))
			m.Write(raw)
			return c.cmd(b64(user + " " + hex.EncodeToString(m.Sum(nil))))
		},
	}
	for mech, run := range runs {
		for _, tc := range []struct{ user, reply, check, events string }{
			{adminUser, "535 5.7.8", "1", "allowed? admin@test.example; counted admin@test.example true"},
			{"nobody@test.example", "535 5.7.8", "1", "allowed? nobody@test.example; counted nobody@test.example true"},
			{lockedUsr, "535 5.7.8", "1", "allowed? locked@test.example; counted locked@test.example true"},
			{"blocked@test.example", "454 4.7.0 Account locked", "0", "allowed? blocked@test.example; counted blocked@test.example false"},
		} {
			got := run(tc.user)
			if !strings.HasPrefix(got, tc.reply) {
				t.Errorf("%s %s: %q, want %q", mech, tc.user, got, tc.reply)
			}
			if n := fmt.Sprint(len(acc.take())); n != tc.check {
				t.Errorf("%s %s: %s credential checks, want %s", mech, tc.user, n, tc.check)
			}
			if calls := p.take(); len(calls) != 1 || calls[0] != time.Second {
				t.Errorf("%s %s: pauses %v, want one of 1s", mech, tc.user, calls)
			}
			if ev := g.take(); ev != tc.events {
				t.Errorf("%s %s: guard told %q, want %q", mech, tc.user, ev, tc.events)
			}
		}
	}
	c.expect(plain(adminUser, adminPass), "235")
	if calls := p.take(); len(calls) != 0 {
		t.Errorf("a success paused: %v", calls)
	}
	if ev := g.take(); ev != "allowed? admin@test.example; succeeded admin@test.example" {
		t.Errorf("success: guard told %q", ev)
	}
	if !strings.Contains(ts.logs.String(), "/UNLOCK:"+lockedUsr) {
		t.Errorf("the log does not name /UNLOCK for the locked account:\n%s", ts.logs)
	}
}
