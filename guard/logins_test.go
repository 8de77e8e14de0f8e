package guard

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/pop3"
	"mailq/queue"
	"mailq/route"
	"mailq/smtp"
)

// The login limits through real SMTP and POP3 servers, with clients that
// the servers see as coming from remote addresses (the machine has only
// loopback; addrListener makes each connection report the address the test
// chooses).

const (
	owner   = "owner@test.example"
	ownerPW = "correct horse"
)

// addrListener accepts connections that report (*from.Load()) as their
// remote address, so a test can move its client from address to address.
type addrListener struct {
	net.Listener
	from *atomic.Pointer[netip.Addr]
}

func (l addrListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fromConn{c, net.TCPAddrFromAddrPort(netip.AddrPortFrom(*l.from.Load(), 40000))}, nil
}

// countingAccounts counts the password checks, the guesses that reached the
// accounts.
type countingAccounts struct {
	*accounts.Store
	checks atomic.Int64
}

func (a *countingAccounts) CheckPassword(addr, pw string) error {
	a.checks.Add(1)
	return a.Store.CheckPassword(addr, pw)
}

func (a *countingAccounts) CheckCRAMMD5(addr, challenge, digest string) error {
	a.checks.Add(1)
	return a.Store.CheckCRAMMD5(addr, challenge, digest)
}

// loginServers are an SMTP and a POP3 server on one tree, each with its
// own guard (as two instances would be), sharing the accounts and
// failedlogins.txt through the tree.
type loginServers struct {
	e          *env
	smtpAddr   string
	popAddr    string
	from       atomic.Pointer[netip.Addr]
	smtpChecks *countingAccounts
}

func startLoginServers(t *testing.T, e *env) *loginServers {
	t.Helper()
	ls := &loginServers{e: e}
	ls.from.Store(&remote)
	// Tests leave their sessions open until they end.
	e.cfg.SMTP.Threads, e.cfg.POP.Threads = 64, 64
	ao := accounts.Options{INI: filepath.Join(filepath.Dir(e.cfg.Paths.KeyFile), "mailq.ini"), Key: e.cfg.Paths.KeyFile}
	if err := accounts.Add(ao, owner, ownerPW); err != nil {
		t.Fatal(err)
	}
	users, err := accounts.Open(ao.INI, ao.Key)
	if err != nil {
		t.Fatal(err)
	}
	pt := e.cfg.Paths
	tree, err := queue.Open(queue.Dirs{Incoming: pt.Queue, External: pt.External, Retry: pt.Retry,
		Sent: pt.Sent, Failed: pt.Failed, Bad: pt.Bad, Users: pt.Users, Unknown: pt.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	ls.smtpChecks = &countingAccounts{Store: users}
	srv, err := smtp.New(smtp.Options{
		Server: e.cfg.Server, SMTP: e.cfg.SMTP, Domains: e.cfg.AllDomains(),
		Tree: tree, Accounts: ls.smtpChecks, Routes: route.New(e.cfg.AllDomains(), nil, users.Exists),
		Log: e.log, Guard: e.smtp(), ExeName: "mailq", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	ls.smtpAddr = ls.serve(t, func(ctx context.Context, ln net.Listener) error { return srv.Serve(ctx, ln) })
	psrv, err := pop3.New(pop3.Options{
		Server: e.cfg.Server, POP: e.cfg.POP, Tree: tree, Accounts: users, Log: e.log,
		Guard: e.pop3(), Version: "test", Now: e.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	ls.popAddr = ls.serve(t, func(ctx context.Context, ln net.Listener) error { return psrv.Serve(ctx, ln) })
	return ls
}

func (ls *loginServers) serve(t *testing.T, run func(context.Context, net.Listener) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addrListener{ln, &ls.from}) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

// smtpSession is an SMTP session after EHLO.
type smtpSession struct {
	t *testing.T
	c *textproto.Conn
}

func (ls *loginServers) smtpFrom(t *testing.T, ip netip.Addr) *smtpSession {
	t.Helper()
	ls.from.Store(&ip)
	c, err := textproto.Dial("tcp", ls.smtpAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := &smtpSession{t, c}
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	c.PrintfLine("EHLO client.example.net")
	if _, _, err := c.ReadResponse(250); err != nil {
		t.Fatal(err)
	}
	return s
}

// quit ends the session.
func (s *smtpSession) quit() {
	s.c.PrintfLine("QUIT")
	s.c.ReadResponse(221)
	s.c.Close()
}

// auth sends AUTH PLAIN and returns the reply as "code text".
func (s *smtpSession) auth(user, pw string) string {
	s.t.Helper()
	cred := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
	s.c.PrintfLine("AUTH PLAIN %s", cred)
	code, msg, err := s.c.ReadResponse(0)
	if code == 0 {
		s.t.Fatalf("AUTH: %v", err)
	}
	return fmt.Sprintf("%d %s", code, msg)
}

// popSession is a POP3 session after the greeting.
type popSession struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func (ls *loginServers) popFrom(t *testing.T, ip netip.Addr) *popSession {
	t.Helper()
	ls.from.Store(&ip)
	c, err := net.Dial("tcp", ls.popAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &popSession{t, c, bufio.NewReader(c)}
	if l := p.line(); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("greeting %q", l)
	}
	return p
}

func (p *popSession) line() string {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := p.br.ReadString('\n')
	if err != nil {
		p.t.Fatalf("read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// login sends USER and PASS and returns the answer to PASS.
func (p *popSession) login(user, pw string) string {
	p.t.Helper()
	fmt.Fprintf(p.c, "USER %s\r\n", user)
	if l := p.line(); !strings.HasPrefix(l, "+OK") {
		p.t.Fatalf("USER: %q", l)
	}
	fmt.Fprintf(p.c, "PASS %s\r\n", pw)
	return p.line()
}

// TestLoginLimitsFromOneAddress: an address guessing one account is blocked
// for that account after POPLockout failures, over SMTP and POP3 alike,
// while the owner, from an address that has not failed, logs in; the
// block ends after LockoutMinutes. Before, five wrong POP3 passwords from
// anywhere locked the owner out until /UNLOCK, and SMTP AUTH counted
// nothing across sessions.
func TestLoginLimitsFromOneAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ls := startLoginServers(t, e)
	for i := 1; i <= 5; i++ {
		// Short sessions, as a guesser avoiding the per-session AutoBan uses.
		if got := ls.smtpFrom(t, remote).auth(owner, fmt.Sprintf("guess%d", i)); !strings.HasPrefix(got, "535 5.7.8") {
			t.Fatalf("guess %d: %s", i, got)
		}
	}
	checks := ls.smtpChecks.checks.Load()
	s := ls.smtpFrom(t, remote)
	for _, pw := range []string{"guess6", ownerPW} {
		if got := s.auth(owner, pw); got != "454 4.7.0 Too many failed logins of this account from [203.0.113.7]; try again later" {
			t.Fatalf("AUTH from the guessing address (%s): %s", pw, got)
		}
	}
	if n := ls.smtpChecks.checks.Load(); n != checks {
		t.Fatalf("%d passwords checked while the address was blocked", n-checks)
	}
	if got := ls.popFrom(t, remote).login(owner, ownerPW); got != "-ERR [AUTH] too many failed logins of this account from [203.0.113.7]; try again later" {
		t.Fatalf("POP3 from the guessing address: %s", got)
	}
	// The owner, elsewhere, is not locked out, over either protocol.
	if got := ls.smtpFrom(t, remote2).auth(owner, ownerPW); !strings.HasPrefix(got, "235") {
		t.Fatalf("owner over SMTP from a fresh address: %s", got)
	}
	if got := ls.popFrom(t, remote2).login(owner, ownerPW); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("owner over POP3 from a fresh address: %s", got)
	}
	if !strings.Contains(e.out.String(), "/UNLOCK:"+owner) {
		t.Errorf("the log does not name /UNLOCK:\n%s", e.out)
	}
	e.clk.Add(e.cfg.Abuse.Logins.Lock)
	if got := ls.smtpFrom(t, remote).auth(owner, ownerPW); !strings.HasPrefix(got, "235") {
		t.Fatalf("after LockoutMinutes: %s", got)
	}
}

// TestLoginLimitsShared: failures over SMTP AUTH count towards the POP3
// limits and the reverse, through failedlogins.txt: each instance has its
// own guard, as two processes would.
func TestLoginLimitsShared(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.POP.Lockout = 4 })
	ls := startLoginServers(t, e)
	// SMTP, then POP3: three over SMTP, the fourth over POP3 blocks.
	s := ls.smtpFrom(t, remote)
	for range 3 {
		s.auth(owner, "wrong")
	}
	p := ls.popFrom(t, remote)
	if got := p.login(owner, "wrong"); got != "-ERR [AUTH] authentication failed" {
		t.Fatalf("fourth failure, over POP3: %s", got)
	}
	if got := s.auth(owner, ownerPW); !strings.HasPrefix(got, "454 4.7.0") {
		t.Fatalf("SMTP after the POP3 failure reached POPLockout: %s", got)
	}
	// POP3, then SMTP, from another address.
	p = ls.popFrom(t, remote2)
	for range 3 {
		p.login(owner, "wrong")
	}
	s = ls.smtpFrom(t, remote2)
	if got := s.auth(owner, "wrong"); !strings.HasPrefix(got, "535") {
		t.Fatalf("fourth failure, over SMTP: %s", got)
	}
	if got := p.login(owner, ownerPW); !strings.HasPrefix(got, "-ERR [AUTH] too many failed logins of this account") {
		t.Fatalf("POP3 after the SMTP failure reached POPLockout: %s", got)
	}
	data, err := os.ReadFile(e.cfg.Paths.FailedLogins)
	if err != nil || !strings.Contains(string(data), "pair 4 0 ") {
		t.Fatalf("failedlogins.txt (%v):\n%s", err, data)
	}
}

// TestLoginLimitsDistributed: guesses from many addresses, each staying
// under the address limits, lock the account for LockoutMinutes; fewer than
// 100 passwords a minute are checked. Attempts are counted at the accounts
// (passwords actually checked) on the guards' clock, not wall time.
func TestLoginLimitsDistributed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) {
		c.Abuse.Logins.Lock = 2 * time.Minute // several lock cycles in few steps
	})
	ls := startLoginServers(t, e)
	perMinute := map[int]int{}
	start := e.clk.Now()
	const perSession = 8
	// 200 addresses, each one session of 8 attempts, one attempt every
	// 250 ms of the guards' clock: 240 attempts a minute for 6.7 minutes.
	for i := range 200 {
		ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		s := ls.smtpFrom(t, ip)
		for j := range perSession {
			before := ls.smtpChecks.checks.Load()
			got := s.auth(owner, fmt.Sprintf("guess-%d-%d", i, j))
			if strings.HasPrefix(got, "235") {
				t.Fatalf("a guess succeeded: %s", got)
			}
			if ls.smtpChecks.checks.Load() > before {
				perMinute[int(e.clk.Now().Sub(start)/time.Minute)]++
			}
			e.clk.Add(250 * time.Millisecond)
		}
		s.quit()
		if i == 10 {
			// During the attack even the owner, from a fresh address, hears
			// that the account is locked, and for LockoutMinutes at most.
			if got := ls.smtpFrom(t, remote2).auth(owner, ownerPW); got != "454 4.7.0 Account locked after too many failed logins; try again later" {
				t.Fatalf("owner during the attack: %s", got)
			}
		}
	}
	total := 0
	for m, n := range perMinute {
		total += n
		if n >= 100 {
			t.Errorf("minute %d: %d passwords checked, want fewer than 100", m, n)
		}
	}
	if len(perMinute) < 3 {
		t.Fatalf("passwords checked in %d minutes only (%v): no lock cycle seen", len(perMinute), perMinute)
	}
	t.Logf("passwords checked per minute: %v (%d in all, of 1600 attempts)", perMinute, total)
	e.clk.Add(e.cfg.Abuse.Logins.Lock)
	if got := ls.popFrom(t, remote2).login(owner, ownerPW); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("owner after the attack and LockoutMinutes: %s", got)
	}
}

// TestLoginLimitsLoopbackExempt: loopback escapes the address rules, as it
// escapes AutoBan, but its failures count towards the account lock.
func TestLoginLimitsLoopbackExempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ls := startLoginServers(t, e)
	s := ls.smtpFrom(t, loopback)
	for i := 1; i <= 19; i++ {
		if got := s.auth(owner, "wrong"); !strings.HasPrefix(got, "535") {
			t.Fatalf("loopback failure %d: %s", i, got)
		}
	}
	if got := s.auth(owner, "wrong"); !strings.HasPrefix(got, "535") {
		t.Fatalf("loopback failure 20: %s", got)
	}
	if got := ls.popFrom(t, remote).login(owner, ownerPW); got != "-ERR [AUTH] account locked after too many failed logins; try again later" {
		t.Fatalf("after 20 loopback failures (MaxFailedLoginsPerAccount): %s", got)
	}
}

// TestLoginLimitsUnknownNames: a name that is no account is refused in the
// same words as an account, so the answers tell nothing about which names
// exist.
func TestLoginLimitsUnknownNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ls := startLoginServers(t, e)
	answers := map[string][]string{}
	for _, name := range []string{owner, "nobody@test.example"} {
		s := ls.smtpFrom(t, remote)
		for range 6 {
			answers[name] = append(answers[name], s.auth(name, "wrong"))
		}
	}
	if a, b := strings.Join(answers[owner], "|"), strings.Join(answers["nobody@test.example"], "|"); a != b {
		t.Fatalf("answers differ:\naccount: %s\nunknown: %s", a, b)
	}
}

// TestAutoBanAcrossSessions: short sessions, each far under AutoBan, from
// ever new addresses of one IPv6 /64, still reach AutoBan, counted across
// sessions and both instances (attempts refused unchecked included), and
// the ban covers the whole /64, which the limits count as one client.
func TestAutoBanAcrossSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.Abuse.AutoBan = 10 })
	ls := startLoginServers(t, e)
	for i := 1; i <= 9; i++ {
		ip := netip.MustParseAddr(fmt.Sprintf("2001:db8:10:1::%x", i))
		var got string
		if i%2 == 0 {
			got = ls.popFrom(t, ip).login(owner, "wrong")
		} else {
			got = ls.smtpFrom(t, ip).auth(owner, "wrong")
		}
		if strings.Contains(got, "closing") || strings.HasPrefix(got, "421") {
			t.Fatalf("attempt %d from %v: %s", i, ip, got)
		}
	}
	if got := ls.smtpFrom(t, netip.MustParseAddr("2001:db8:10:1::a")).auth(owner, "wrong"); got != "421 4.7.0 Too many failed authentications; closing connection" {
		t.Fatalf("tenth attempt from the /64: %s", got)
	}
	data, err := os.ReadFile(e.cfg.Paths.IPBlock)
	if err != nil || !strings.HasPrefix(string(data), "2001:db8:10:1::/64  # banned ") {
		t.Fatalf("ipblock.txt (%v):\n%s", err, data)
	}
}
