package guard

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/queue"
	"mailq/route"
	"mailq/smtp"
)

// The open-relay matrix: a real SMTP server with this package's Guard, at
// every SMTPRelay level, asked by clients that are internal in each way the
// server knows (AUTH, [RelayIPs], POP-before-SMTP) and by clients that only
// look close to one (another range, another address's POP3 login, a login
// too long ago), for a local and an external recipient.

const (
	relayUser = "admin@test.example"
	relayPass = "secret"
	localRcpt = "admin@test.example"
	extRcpt   = "someone@elsewhere.example"
)

// relayCase is one kind of client.
type relayCase struct {
	name     string
	from     netip.Addr                       // the client's address as the server sees it; remote if zero
	internal bool                             // may it relay as an internal sender?
	setup    func(e *env, cfg *config.Config) // before the guards are built
	after    func(e *env, p *POP3)            // after: POP3 logins, time passing
	auth     bool
}

func trust(prefixes ...string) func(*env, *config.Config) {
	return func(e *env, c *config.Config) {
		for _, p := range prefixes {
			c.RelayIPs = append(c.RelayIPs, netip.MustParsePrefix(p))
		}
	}
}

var relayCases = []relayCase{
	{name: "anonymous"},
	{name: "anonymous-loopback", from: loopback},
	{name: "authenticated", internal: true, auth: true},
	{name: "trusted", internal: true, setup: trust("203.0.113.0/24")},
	{name: "trusted-ipv4-mapped", from: mapped, internal: true, setup: trust("203.0.113.7/32")},
	{name: "trusted-loopback", from: loopback, internal: true, setup: trust("127.0.0.1/32")},
	{name: "trusted-other-range", setup: trust("10.0.0.0/8", "203.0.113.8/32", "127.0.0.0/8")},
	{name: "pop-before-smtp", internal: true, setup: popWindow, after: func(e *env, p *POP3) {
		p.LoggedIn(remote, relayUser)
	}},
	{name: "pop-before-smtp-mapped", internal: true, setup: popWindow, after: func(e *env, p *POP3) {
		p.LoggedIn(mapped, relayUser)
	}},
	{name: "pop-other-address", setup: popWindow, after: func(e *env, p *POP3) {
		p.LoggedIn(remote2, relayUser)
	}},
	{name: "pop-expired", setup: popWindow, after: func(e *env, p *POP3) {
		p.LoggedIn(remote, relayUser)
		e.clk.Add(16 * time.Minute)
	}},
	{name: "pop-feature-off", after: func(e *env, p *POP3) {
		p.LoggedIn(remote, relayUser)
	}},
	// Behind a proxy on this host every client is loopback: a POP3 login
	// from loopback must not open relaying to all of them.
	{name: "pop-from-loopback", from: loopback, setup: popWindow, after: func(e *env, p *POP3) {
		p.LoggedIn(loopback, relayUser)
	}},
}

func popWindow(e *env, c *config.Config) { c.Abuse.POPBeforeSMTP = 15 * time.Minute }

func TestOpenRelayMatrix(t *testing.T) {
	levels := []config.Relay{config.RelayOff, config.RelayOneWay, config.RelayTwoWay, config.RelayOpen}
	for _, level := range levels {
		for _, rc := range relayCases {
			t.Run(fmt.Sprintf("level%d/%s", level, rc.name), func(t *testing.T) {
				t.Parallel()
				addr := startRelayServer(t, level, rc)
				for _, rcpt := range []string{localRcpt, extRcpt} {
					local := rcpt == localRcpt
					want := allowed(level, rc.internal, local)
					got, reply := tryRelay(t, addr, rc.auth, rcpt)
					if got != want {
						t.Errorf("RCPT <%s>: accepted=%v, want %v (reply %q)", rcpt, got, want, reply)
					}
				}
			})
		}
	}
}

// allowed is the manual's relay table, written out independently of the
// server's copy.
func allowed(level config.Relay, internal, local bool) bool {
	switch {
	case internal && local:
		return true
	case internal:
		return level >= config.RelayOneWay
	case local:
		return level >= config.RelayTwoWay
	default:
		return level == config.RelayOpen
	}
}

// startRelayServer runs an SMTP server on 127.0.0.1:0 with a Guard built
// for rc, and returns its address.
func startRelayServer(t *testing.T, level config.Relay, rc relayCase) string {
	t.Helper()
	e := newEnv(t, func(c *config.Config) {
		c.SMTP.Relay = level
		c.Domains = []string{"test.example"}
	})
	if rc.setup != nil {
		rc.setup(e, e.cfg)
	}
	g, p := e.smtp(), e.pop3()
	if rc.after != nil {
		rc.after(e, p)
	}
	from := rc.from
	if !from.IsValid() {
		from = remote
	}
	return startGuardedFrom(t, e, g, from)
}

// startGuarded is startGuardedFrom with the real client addresses.
func startGuarded(t *testing.T, e *env, g *SMTP) string {
	return startGuardedFrom(t, e, g, netip.Addr{})
}

// startGuardedFrom runs an SMTP server with e's configuration and Guard g on
// 127.0.0.1:0, with the account relayUser, and returns its address. If from
// is valid, the server sees every client as coming from it (the machine has
// only loopback; the server reads the address from the connection).
func startGuardedFrom(t *testing.T, e *env, g *SMTP, from netip.Addr) string {
	t.Helper()
	dir := t.TempDir()
	ao := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: filepath.Join(dir, "mailq.key")}
	if err := accounts.Add(ao, relayUser, relayPass); err != nil {
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
	srv, err := smtp.New(smtp.Options{
		Server: e.cfg.Server, SMTP: e.cfg.SMTP, RefileUnknown: true, Domains: e.cfg.AllDomains(), UnknownCap: e.cfg.MDA.MaxUnknownFolders,
		Tree: tree, Accounts: users, Routes: route.New(e.cfg.AllDomains(), nil, users.Exists),
		Log: e.log, Guard: g, ExeName: "mailq", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	var ln net.Listener
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if from.IsValid() {
		ln = fromListener{ln, from}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ln.Addr().String()
}

// tryRelay opens a session, authenticates if asked, and reports whether RCPT
// TO:<rcpt> was accepted, with the reply.
func tryRelay(t *testing.T, addr string, auth bool, rcpt string) (bool, string) {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	expect := func(cmd string, code int) {
		t.Helper()
		if cmd != "" {
			if err := c.PrintfLine("%s", cmd); err != nil {
				t.Fatal(err)
			}
		}
		if _, msg, err := c.ReadResponse(code); err != nil {
			t.Fatalf("%q: %v %s", cmd, err, msg)
		}
	}
	expect("", 220)
	expect("EHLO client.example.net", 250)
	if auth {
		cred := base64.StdEncoding.EncodeToString([]byte("\x00" + relayUser + "\x00" + relayPass))
		expect("AUTH PLAIN "+cred, 235)
	}
	expect("MAIL FROM:<sender@elsewhere.example>", 250)
	if err := c.PrintfLine("RCPT TO:<%s>", rcpt); err != nil {
		t.Fatal(err)
	}
	code, msg, err := c.ReadResponse(0)
	if err != nil && code == 0 {
		t.Fatal(err)
	}
	c.PrintfLine("QUIT")
	return code == 250, fmt.Sprintf("%d %s", code, msg)
}

// TestAutoBanReachable: with the default MaxFailedCommands (20) below
// AutoBan, failed AUTH commands still reach AutoBan: they are counted by
// the login limits and AuthFailed, not as failed commands. LimitLocal makes
// loopback bannable.
func TestAutoBanReachable(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Abuse.AutoBan = 25
		c.Abuse.LimitLocal = true
		c.Domains = []string{"test.example"}
	})
	if e.cfg.Abuse.MaxFailedCommands >= 25 || e.cfg.Abuse.MaxFailedCommands == 0 {
		t.Fatalf("the default MaxFailedCommands is %d; this test wants it below AutoBan", e.cfg.Abuse.MaxFailedCommands)
	}
	addr := startGuarded(t, e, e.smtp())
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	c.PrintfLine("EHLO client.example.net")
	if _, _, err := c.ReadResponse(250); err != nil {
		t.Fatal(err)
	}
	bad := base64.StdEncoding.EncodeToString([]byte("\x00" + relayUser + "\x00wrong"))
	for i := 1; i <= 25; i++ {
		c.PrintfLine("AUTH PLAIN %s", bad)
		code, msg, _ := c.ReadResponse(0)
		// POPLockout (5) blocks the address for the account first; the
		// attempts it refuses still count towards AutoBan.
		want := 535
		switch {
		case i == 25:
			want = 421
		case i > 5:
			want = 454
		}
		if code != want {
			t.Fatalf("failed AUTH %d: %d %s, want %d", i, code, msg, want)
		}
	}
	data, err := os.ReadFile(e.cfg.Paths.IPBlock)
	if err != nil || !strings.Contains(string(data), "127.0.0.1  # banned") {
		t.Fatalf("not banned (%v):\n%s", err, data)
	}
}

// fromListener accepts connections that report from as their remote address.
type fromListener struct {
	net.Listener
	from netip.Addr
}

func (l fromListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fromConn{c, net.TCPAddrFromAddrPort(netip.AddrPortFrom(l.from, 40000))}, nil
}

type fromConn struct {
	net.Conn
	remote net.Addr
}

func (c fromConn) RemoteAddr() net.Addr { return c.remote }
