package guard

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/config"
	"mailq/dnsbl"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/pop3"
	"mailq/resolve/dnstest"
	"mailq/smtp"
)

var (
	remote   = netip.MustParseAddr("203.0.113.7")
	remote2  = netip.MustParseAddr("203.0.113.8")
	lanHost  = netip.MustParseAddr("192.168.1.20")
	loopback = netip.MustParseAddr("127.0.0.1")
	mapped   = netip.MustParseAddr("::ffff:203.0.113.7")
)

// clock is a settable time source shared by a test's guards.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects a server's console output from many goroutines.
type syncBuffer = testutil.Buffer

// env is one test's configuration, clock and log; its guards share the tree.
type env struct {
	t   *testing.T
	cfg *config.Config
	clk *clock
	out *syncBuffer
	log *logs.Logger
}

func newEnv(t *testing.T, mod func(*config.Config)) *env {
	t.Helper()
	cfg := config.Default()
	cfg.Server.HostName = "mx.test.example"
	cfg.Server.HostDomain = "test.example"
	cfg.Paths = config.DefaultPaths(t.TempDir())
	if mod != nil {
		mod(cfg)
	}
	out := &syncBuffer{}
	off := false
	lg, err := logs.New(logs.Options{Console: out, Level: logs.Debug, Color: &off})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, cfg: cfg, clk: &clock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}, out: out, log: lg}
}

func (e *env) options() Options { return Options{Config: e.cfg, Log: e.log, Now: e.clk.Now} }
func (e *env) smtp() *SMTP      { return NewSMTP(e.options()) }
func (e *env) pop3() *POP3      { return NewPOP3(e.options()) }

func client(ip netip.Addr) smtp.Client {
	return smtp.Client{Session: "s1", IP: ip, Helo: "client.example.net"}
}

// smtpReply asserts that err is an SMTP Reply with code and, if close, Close.
func smtpReply(t *testing.T, err error, code int, close bool, text string) {
	t.Helper()
	var r smtp.Reply
	if !errors.As(err, &r) {
		t.Fatalf("got %v, want a %d reply", err, code)
	}
	if r.Code != code || r.Close != close || !strings.Contains(strings.Join(r.Lines, " "), text) {
		t.Fatalf("got %d %s %q close=%v, want %d close=%v containing %q", r.Code, r.Enh, r.Lines, r.Close, code, close, text)
	}
}

func popReply(t *testing.T, err error, code string) {
	t.Helper()
	var r pop3.Reply
	if !errors.As(err, &r) || r.OK || r.Code != code || !r.Close {
		t.Fatalf("got %#v, want a closing -ERR [%s]", err, code)
	}
}

func TestDefaultsArePermissive(t *testing.T) {
	e := newEnv(t, nil)
	g, p := e.smtp(), e.pop3()
	for _, ip := range []netip.Addr{remote, loopback, lanHost, {}} {
		c := client(ip)
		rel, err := g.Connect(t.Context(), c)
		if err != nil {
			t.Fatalf("%v refused at connect: %v", ip, err)
		}
		if rel != nil {
			rel()
		}
		if err := g.Mail(c, "a@b.example"); err != nil {
			t.Fatalf("%v refused at MAIL: %v", ip, err)
		}
		if err := g.Message(c, 100, 1); err != nil {
			t.Fatalf("%v refused after DATA: %v", ip, err)
		}
		if g.MayRelay(c) {
			t.Fatalf("%v may relay without [RelayIPs] or POP-before-SMTP", ip)
		}
		if err := g.UnknownRecipient(c, "x@test.example", 1000); err != nil {
			t.Fatalf("unknown recipients are not limited by default: %v", err)
		}
		if tags := g.Tags(smtp.Client{IP: ip, Helo: "!!bogus"}); tags != nil {
			t.Fatalf("HELOCheck is off by default, got %v", tags)
		}
		rel, err = p.Connect(ip)
		if err != nil {
			t.Fatalf("POP3 refused %v: %v", ip, err)
		}
		if rel != nil {
			rel()
		}
	}
	// The defaults: AutoBan at 100 failed logins, 20 failed commands.
	if err := g.AuthFailed(client(remote), 99); err != nil {
		t.Fatalf("banned before AutoBan: %v", err)
	}
	if err := g.FailedCommand(client(remote), 19); err != nil {
		t.Fatalf("closed before MaxFailedCommands: %v", err)
	}
	smtpReply(t, g.FailedCommand(client(remote), 20), 421, true, "failed commands")
}

func TestBlockListAtConnect(t *testing.T) {
	e := newEnv(t, nil)
	write := func(s string) {
		if err := os.WriteFile(e.cfg.Paths.IPBlock, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("# test list\n203.0.113.0/29 # a bad range\nnot-an-address\n")
	g, p := e.smtp(), e.pop3()
	_, err := g.Connect(t.Context(), client(remote))
	smtpReply(t, err, 554, true, "block list")
	_, err = g.Connect(t.Context(), client(mapped))
	smtpReply(t, err, 554, true, "block list") // IPv4-mapped is the same client
	_, err = p.Connect(remote)
	popReply(t, err, "SYS/PERM")
	if _, err := g.Connect(t.Context(), client(lanHost)); err != nil {
		t.Fatalf("an address outside the range was refused: %v", err)
	}
	out := e.out.String()
	if !strings.Contains(out, "refused by ipblock: 203.0.113.0/29 # a bad range") {
		t.Errorf("the log does not name the rule and the line:\n%s", out)
	}
	if !strings.Contains(out, "not-an-address") {
		t.Errorf("the bad line was not reported:\n%s", out)
	}

	// The cached copy follows the file: unblocked after the entry goes.
	write("# emptied\n")
	future := time.Now().Add(2 * time.Second)
	os.Chtimes(e.cfg.Paths.IPBlock, future, future)
	e.clk.Add(2 * time.Second) // past the cache's stat interval
	if _, err := g.Connect(t.Context(), client(remote)); err != nil {
		t.Fatalf("still refused after the entry was removed: %v", err)
	}

	// IPBlockEnabled=False (/NOIPBLOCK): the file is not consulted.
	e2 := newEnv(t, func(c *config.Config) { c.Abuse.IPBlockEnabled = false })
	os.WriteFile(e2.cfg.Paths.IPBlock, []byte("203.0.113.7\n"), 0o644)
	if _, err := e2.smtp().Connect(t.Context(), client(remote)); err != nil {
		t.Fatalf("block list consulted while disabled: %v", err)
	}
}

func TestAutoBanBothInstances(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.AutoBan = 3 })
	g, p := e.smtp(), e.pop3()
	for i := 1; i < 3; i++ {
		if err := g.AuthFailed(client(remote), i); err != nil {
			t.Fatalf("failure %d: %v", i, err)
		}
		if err := p.LoginFailed(remote2, "u@test.example", i); err != nil {
			t.Fatalf("POP3 failure %d: %v", i, err)
		}
	}
	smtpReply(t, g.AuthFailed(client(remote), 3), 421, true, "failed authentications")
	popReply(t, p.LoginFailed(remote2, "u@test.example", 3), "AUTH")

	data, err := os.ReadFile(e.cfg.Paths.IPBlock)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"203.0.113.7  # banned 2026-11-23T12:00:00Z by SMTP: 3 failed logins", "203.0.113.8  # banned 2026-11-23T12:00:00Z by POP3: 3 failed logins"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("ipblock.txt lacks %q:\n%s", want, data)
		}
	}
	// Both banned addresses are now refused by both instances.
	for _, ip := range []netip.Addr{remote, remote2} {
		_, err := g.Connect(t.Context(), client(ip))
		smtpReply(t, err, 554, true, "block list")
		_, err = p.Connect(ip)
		popReply(t, err, "SYS/PERM")
	}
	if !strings.Contains(e.out.String(), "banned after 3 failed logins") {
		t.Errorf("no ban line in the log:\n%s", e.out.String())
	}
}

func TestAutoBanConcurrentAppends(t *testing.T) {
	// The SMTP and POP3 instances ban at the same moment: every ban lands,
	// once, and the file stays well-formed.
	e := newEnv(t, func(c *config.Config) { c.Abuse.AutoBan = 1 })
	g, p := e.smtp(), e.pop3()
	var wg sync.WaitGroup
	const n = 40
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
			if i%2 == 0 {
				g.AuthFailed(client(ip), 1)
			} else {
				p.LoginFailed(ip, "x", 1)
			}
		}(i)
	}
	wg.Wait()
	data, _ := os.ReadFile(e.cfg.Paths.IPBlock)
	for i := 0; i < n; i++ {
		if c := strings.Count(string(data), fmt.Sprintf("198.51.100.%d  #", i)); c != 1 {
			t.Errorf("198.51.100.%d listed %d times", i, c)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(e.cfg.Paths.IPBlock), ".ipblock.txt.*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestAutoBanExemptUnlessLimitLocal(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Abuse.AutoBan = 2
		c.RelayIPs = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	})
	g := e.smtp()
	for _, ip := range []netip.Addr{loopback, lanHost} {
		// The session still ends, but the address is not banned.
		smtpReply(t, g.AuthFailed(client(ip), 2), 421, true, "failed")
	}
	if _, err := os.Stat(e.cfg.Paths.IPBlock); !os.IsNotExist(err) {
		t.Fatalf("an exempt address was banned: %v", err)
	}
	e2 := newEnv(t, func(c *config.Config) { c.Abuse.AutoBan = 2; c.Abuse.LimitLocal = true })
	e2.smtp().AuthFailed(client(loopback), 2)
	if data, _ := os.ReadFile(e2.cfg.Paths.IPBlock); !strings.Contains(string(data), "127.0.0.1  #") {
		t.Fatalf("LimitLocal: loopback not banned:\n%s", data)
	}
}

func TestConnectionLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.MaxConnectionsPerIP = 2 })
	g, p := e.smtp(), e.pop3()
	var rels []func()
	for i := 0; i < 2; i++ {
		rel, err := g.Connect(t.Context(), client(remote))
		if err != nil {
			t.Fatalf("connection %d refused: %v", i+1, err)
		}
		rels = append(rels, rel)
	}
	_, err := g.Connect(t.Context(), client(remote))
	smtpReply(t, err, 421, true, "Too many connections")
	if rel, err := g.Connect(t.Context(), client(remote2)); err != nil {
		t.Fatalf("another address was refused: %v", err)
	} else {
		rel()
	}
	// Each instance counts its own connections.
	if rel, err := p.Connect(remote); err != nil {
		t.Fatalf("POP3 refused: %v", err)
	} else {
		rel()
	}
	rels[0]()
	rels[1]()
	rels[1]() // a second call does nothing
	rel, err := g.Connect(t.Context(), client(remote))
	if err != nil {
		t.Fatalf("not released: %v", err)
	}
	rel()
	// Loopback is exempt.
	for i := 0; i < 5; i++ {
		if _, err := g.Connect(t.Context(), client(loopback)); err != nil {
			t.Fatalf("loopback limited: %v", err)
		}
	}
	// POP3 refuses with SYS/TEMP.
	e2 := newEnv(t, func(c *config.Config) { c.Abuse.MaxConnectionsPerIP = 1 })
	p2 := e2.pop3()
	if _, err := p2.Connect(remote); err != nil {
		t.Fatalf("first POP3 connection refused: %v", err)
	}
	_, err = p2.Connect(remote)
	popReply(t, err, "SYS/TEMP")
}

func TestMessagesPerHour(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.MaxMessagesPerIPHour = 3 })
	g := e.smtp()
	c := client(remote)
	for i := 0; i < 3; i++ {
		if err := g.Mail(c, "a@b.example"); err != nil {
			t.Fatalf("MAIL %d: %v", i+1, err)
		}
		if err := g.Message(c, 10, 1); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	smtpReply(t, g.Mail(c, "a@b.example"), 452, false, "Too many messages")
	smtpReply(t, g.Message(c, 10, 1), 452, false, "Too many messages")
	if err := g.Mail(client(remote2), ""); err != nil {
		t.Fatalf("another address limited: %v", err)
	}
	for i := 0; i < 10; i++ { // a LAN application on loopback is exempt
		if err := g.Message(client(loopback), 10, 1); err != nil {
			t.Fatalf("loopback limited: %v", err)
		}
	}
	e.clk.Add(61 * time.Minute)
	if err := g.Mail(c, "a@b.example"); err != nil {
		t.Fatalf("still limited an hour later: %v", err)
	}
}

func TestHarvestBlock(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.MaxUnknownRecipients = 3 })
	g := e.smtp()
	c := client(remote)
	for i := 1; i < 3; i++ {
		if err := g.UnknownRecipient(c, "x@test.example", i); err != nil {
			t.Fatalf("unknown %d: %v", i, err)
		}
	}
	smtpReply(t, g.UnknownRecipient(c, "x@test.example", 3), 421, true, "unknown recipients")
	_, err := g.Connect(t.Context(), c)
	smtpReply(t, err, 421, true, "temporarily blocked")
	if rel, err := g.Connect(t.Context(), client(remote2)); err != nil {
		t.Fatalf("another address blocked: %v", err)
	} else {
		rel()
	}
	e.clk.Add(time.Hour + time.Minute)
	if rel, err := g.Connect(t.Context(), c); err != nil {
		t.Fatalf("still blocked after an hour: %v", err)
	} else {
		rel()
	}
	if err := g.UnknownRecipient(client(loopback), "x@test.example", 50); err != nil {
		t.Fatalf("loopback blocked for harvesting: %v", err)
	}
}

func TestFailedCommandsExempt(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.MaxFailedCommands = 3 })
	g := e.smtp()
	if err := g.FailedCommand(client(loopback), 10); err != nil {
		t.Fatalf("loopback closed: %v", err)
	}
	smtpReply(t, g.FailedCommand(client(remote), 3), 421, true, "failed commands")
	e2 := newEnv(t, func(c *config.Config) { c.Abuse.MaxFailedCommands = 0 })
	if err := e2.smtp().FailedCommand(client(remote), 1000); err != nil {
		t.Fatalf("0 is no limit: %v", err)
	}
}

func TestTrustedAndPOPBeforeSMTP(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.RelayIPs = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
		c.Abuse.POPBeforeSMTP = 10 * time.Minute
	})
	g, p := e.smtp(), e.pop3()
	if !g.MayRelay(client(lanHost)) {
		t.Fatal("[RelayIPs] client may not relay")
	}
	if g.MayRelay(client(remote)) || g.MayRelay(client(loopback)) {
		t.Fatal("a client outside [RelayIPs] may relay before any POP3 login")
	}
	p.LoggedIn(remote, "u@test.example")
	if !g.MayRelay(client(remote)) || !g.MayRelay(client(mapped)) {
		t.Fatal("no relaying right after a POP3 login")
	}
	if g.MayRelay(client(remote2)) {
		t.Fatal("another address may relay")
	}
	e.clk.Add(11 * time.Minute)
	if g.MayRelay(client(remote)) {
		t.Fatal("still relaying after the window")
	}

	// POPBeforeSMTPMinutes=0: nothing recorded, nobody trusted.
	e2 := newEnv(t, nil)
	e2.pop3().LoggedIn(remote, "u@test.example")
	if e2.smtp().MayRelay(client(remote)) {
		t.Fatal("POP-before-SMTP while off")
	}
	if _, err := os.Stat(e2.cfg.Paths.POPBeforeSMTP); !os.IsNotExist(err) {
		t.Fatalf("the POP-before-SMTP file was written while the feature is off: %v", err)
	}
}

func TestHELOCheck(t *testing.T) {
	cases := []struct {
		helo  string
		ip    netip.Addr
		user  string
		bogus bool
	}{
		{"client.example.net", remote, "", false},
		{"[203.0.113.7]", remote, "", false},
		{"DESKTOP_42.lan", remote, "", false},
		{"bad name!", remote, "", true},
		{"203.0.113.7", remote, "", true},     // an address without brackets
		{"mx.test.example", remote, "", true}, // our own name, from outside
		{"TEST.EXAMPLE.", remote, "", true},
		{"mx.test.example", loopback, "", false},       // a program on this host
		{"mx.test.example", lanHost, "", false},        // a trusted LAN host
		{"bad name!", remote, "u@test.example", false}, // logged in
	}
	for _, mode := range []string{"refuse", "tag"} {
		e := newEnv(t, func(c *config.Config) {
			c.Abuse.HELOCheck = mode
			c.RelayIPs = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
		})
		g := e.smtp()
		for _, tc := range cases {
			c := smtp.Client{Session: "s", IP: tc.ip, Helo: tc.helo, User: tc.user}
			err, tags := g.Mail(c, "a@b.example"), g.Tags(c)
			switch {
			case mode == "refuse" && tc.bogus:
				smtpReply(t, err, 550, false, "HELO/EHLO name")
			case mode == "tag" && tc.bogus:
				if err != nil || len(tags) != 1 || !strings.HasPrefix(tags[0], "X-HELO-Warning: ") {
					t.Errorf("tag %q from %v: err %v tags %q", tc.helo, tc.ip, err, tags)
				}
			default:
				if err != nil || tags != nil {
					t.Errorf("%s: %q from %v (user %q) acted on: %v %q", mode, tc.helo, tc.ip, tc.user, err, tags)
				}
			}
		}
	}
}

func TestDNSBL(t *testing.T) {
	srv := dnstest.Start(t)
	listed, silent, failing := netip.MustParseAddr("203.0.113.66"), netip.MustParseAddr("203.0.113.67"), netip.MustParseAddr("203.0.113.68")
	srv.Add(
		dnsbl.Name(listed, "second.test")+". 300 IN A 127.0.0.2",
		dnsbl.Name(listed, "second.test")+". 300 IN TXT \"listed for spam, see https://bl.example/\"",
		dnsbl.Name(netip.MustParseAddr("2001:db8::66"), "first.test")+". 300 IN A 127.0.0.4",
	)
	srv.Set(dnsbl.Name(silent, "first.test"), dnstest.Silent)
	srv.Set(dnsbl.Name(failing, "first.test"), dnstest.ServFail)
	srv.Set(dnsbl.Name(failing, "second.test"), dnstest.ServFail)
	e := newEnv(t, func(c *config.Config) {
		c.Abuse.DNSBLEnabled = true
		c.DNSBL = []string{"first.test", "second.test"}
		c.Server.DNSServer = srv.Addr
		c.RelayIPs = []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	})
	g := e.smtp()
	_, err := g.Connect(t.Context(), client(listed))
	smtpReply(t, err, 554, true, "second.test: listed for spam")
	_, err = g.Connect(t.Context(), client(netip.MustParseAddr("2001:db8::66")))
	smtpReply(t, err, 554, true, "first.test")
	for _, ip := range []netip.Addr{remote, silent, failing} {
		rel, err := g.Connect(t.Context(), client(ip)) // not listed, or the lists failed: served
		if err != nil {
			t.Fatalf("%v refused: %v", ip, err)
		}
		rel()
	}
	// At shutdown (the server's context cancelled) nothing is looked up and
	// the client is not refused for it.
	gone := netip.MustParseAddr("203.0.113.69")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if rel, err := g.Connect(ctx, client(gone)); err != nil {
		t.Fatalf("refused at shutdown: %v", err)
	} else {
		rel()
	}
	if n := srv.Queries(dnsbl.Name(gone, "first.test")); n != 0 {
		t.Fatalf("looked up %d times after the context ended", n)
	}
	// Loopback and [RelayIPs] are never looked up.
	before := srv.Queries(dnsbl.Name(loopback, "first.test")) + srv.Queries(dnsbl.Name(lanHost, "first.test"))
	for _, ip := range []netip.Addr{loopback, lanHost} {
		if _, err := g.Connect(t.Context(), client(ip)); err != nil {
			t.Fatalf("%v refused: %v", ip, err)
		}
	}
	if after := srv.Queries(dnsbl.Name(loopback, "first.test")) + srv.Queries(dnsbl.Name(lanHost, "first.test")); after != before {
		t.Fatal("loopback or a trusted address was looked up")
	}
	out := e.out.String()
	for _, want := range []string{"refused by dnsbl: listed by second.test (127.0.0.2) listed for spam", "DNSBL zone skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// The POP3 instance does not ask DNS block lists.
	if rel, err := e.pop3().Connect(listed); err != nil {
		t.Fatalf("POP3 refused a DNSBL-listed client: %v", err)
	} else {
		rel()
	}
	// A DNSBL enabled without zones, or without a DNS server, is simply off.
	e2 := newEnv(t, func(c *config.Config) { c.Abuse.DNSBLEnabled = true; c.DNSBL = []string{"bad zone!"} })
	if rel, err := e2.smtp().Connect(t.Context(), client(listed)); err != nil {
		t.Fatalf("a bad zone refused a client: %v", err)
	} else if rel != nil {
		rel()
	}
	if !strings.Contains(e2.out.String(), "DNS block lists are off") {
		t.Errorf("a bad zone was not reported:\n%s", e2.out.String())
	}
}

func TestStaleTemporaryFilesRemovedAtStart(t *testing.T) {
	e := newEnv(t, nil)
	old := time.Now().Add(-time.Hour)
	temp := func(p string) string { return filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".1.tmp") }
	young := filepath.Join(filepath.Dir(e.cfg.Paths.IPBlock), "."+filepath.Base(e.cfg.Paths.IPBlock)+".2.tmp")
	for _, p := range []string{e.cfg.Paths.IPBlock, e.cfg.Paths.POPBeforeSMTP} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(temp(p), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(temp(p), old, old)
	}
	if err := os.WriteFile(young, []byte("being written by the other instance"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.clk.now = time.Now()
	e.smtp()
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a young temporary file was removed: %v", err)
	}
	for _, p := range []string{e.cfg.Paths.IPBlock, e.cfg.Paths.POPBeforeSMTP} {
		if _, err := os.Stat(temp(p)); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", temp(p), err)
		}
	}
	if !strings.Contains(e.out.String(), "temporary file left") {
		t.Errorf("clean-up not logged:\n%s", e.out.String())
	}
}

func TestPOP3FailedCommands(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Abuse.MaxFailedCommands = 3 })
	p := e.pop3()
	if err := p.FailedCommand(remote, 2); err != nil {
		t.Fatalf("closed before the limit: %v", err)
	}
	var r pop3.Reply
	if err := p.FailedCommand(remote, 3); !errors.As(err, &r) || !r.Close || r.OK {
		t.Fatalf("at the limit: %#v", err)
	}
	if err := p.FailedCommand(loopback, 10); err != nil {
		t.Fatalf("loopback closed: %v", err)
	}
	if !strings.Contains(e.out.String(), "refused by failed: 3 failed commands") {
		t.Errorf("no rule in the log:\n%s", e.out.String())
	}
}
