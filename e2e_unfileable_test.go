package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/accounts"
	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/mda"
	"mailq/queue"
	"mailq/route"
	"mailq/smtp"
)

// Issue 22, item 4: with RefileUnknownUsers=True a recipient whose address
// cannot name a folder used to get 250 at RCPT, and the MDA then moved the
// whole set, valid recipients included, to bad/ without a word. These tests
// send such recipients from an address outside, next to valid ones.

// unfileableRcpts are local recipients no folder can be named after, each
// refused at RCPT with 550 5.1.3.
var unfileableRcpts = []string{`"a/b"@test.example`, `"a b"@test.example`, `"."@test.example`,
	"CON.txt@test.example", "unknown/x@test.example"}

// remoteListener makes the server see every client as coming from ip.
type remoteListener struct {
	net.Listener
	ip netip.Addr
}

func (l remoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return remoteConn{c, net.TCPAddrFromAddrPort(netip.AddrPortFrom(l.ip, 40000))}, nil
}

type remoteConn struct {
	net.Conn
	remote net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.remote }

// TestUnfileableRecipientInProcess runs the SMTP server and the MDA in
// process on one tree, as the instance does, with a client the server sees
// at 203.0.113.7: the unfileable recipients are refused at RCPT, and the
// message is filed for the valid ones (an account and a refiled unknown
// user); nothing goes to bad/.
func TestUnfileableRecipientInProcess(t *testing.T) {
	t.Parallel()
	addr, p := startInProcess(t, netip.MustParseAddr("203.0.113.7"))
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	step := func(cmd string, want int) string {
		t.Helper()
		if cmd != "" {
			c.PrintfLine("%s", cmd)
		}
		code, msg, err := c.ReadResponse(want)
		if err != nil {
			t.Fatalf("%q: %d %s: %v", cmd, code, msg, err)
		}
		return msg
	}
	step("", 220)
	step("EHLO outside.example.net", 250)
	step("MAIL FROM:<someone@elsewhere.example>", 250)
	step("RCPT TO:<alice@test.example>", 250)
	for _, r := range unfileableRcpts {
		if msg := step("RCPT TO:<"+r+">", 550); !strings.HasPrefix(msg, "5.1.3 ") {
			t.Errorf("RCPT TO:<%s>: 550 %s, want 5.1.3", r, msg)
		}
	}
	step("RCPT TO:<nobody@test.example>", 250)
	step("DATA", 354)
	msg := step("Subject: issue 22\r\n\r\nhello\r\n.", 250)
	step("QUIT", 221)
	id := msg[strings.LastIndexByte(msg, ' ')+1:]

	alice := filepath.Join(p.Users, "alice@test.example", id+".eml")
	unknown := filepath.Join(p.Unknown, "nobody@test.example", id+".eml")
	waitFiles(t, alice, unknown)
	if bad, _ := os.ReadDir(p.Bad); len(bad) != 0 {
		t.Errorf("bad/ holds %d files", len(bad))
	}
}

// startInProcess runs an SMTP server (relay level 2, RefileUnknownUsers on)
// and the MDA in process on one tree with the account alice@test.example,
// as the instance does; the server sees every client at from. It returns
// the server's address and the tree's paths.
func startInProcess(t *testing.T, from netip.Addr) (string, config.Paths) {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Server.HostName, cfg.Server.HostDomain = "mx.test", "test.example"
	cfg.Domains = []string{"test.example"}
	cfg.SMTP.Relay = config.RelayTwoWay
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	ao := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: filepath.Join(dir, "mailq.key")}
	if err := accounts.Add(ao, "alice@test.example", "secret"); err != nil {
		t.Fatal(err)
	}
	users, err := accounts.Open(ao.INI, ao.Key)
	if err != nil {
		t.Fatal(err)
	}
	log := logs.Discard()
	routes := route.New(cfg.AllDomains(), nil, users.Exists)
	wake := make(chan struct{}, 1)
	srv, err := smtp.New(smtp.Options{Server: cfg.Server, SMTP: cfg.SMTP, RefileUnknown: true,
		UnknownCap: cfg.MDA.MaxUnknownFolders, Domains: cfg.AllDomains(), Tree: tree, Accounts: users,
		Routes: routes, Log: log, Committed: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := mda.New(mda.Options{Tree: tree, Routes: routes, Log: log,
		MDA: config.MDA{Enabled: true, RefileUnknownUsers: true}, Domain: "test.example", Wake: wake, Nice: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx, remoteListener{ln, from}); done <- struct{}{} }()
	go func() { agent.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return ln.Addr().String(), p
}

// waitFiles waits until every path exists, as a delivery becomes visible,
// or fails.
func waitFiles(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		testutil.Eventually(t, p+" to appear", func() bool {
			_, err := os.Stat(p)
			return err == nil
		})
	}
}

// outsideAddr adds ip (one of 192.0.2.30-39, kept for these tests) to the
// loopback interface for a real client to send from, so that the server
// sees a client from outside; removed at cleanup. It skips when that is
// not possible (not root), and fails with MAILQ_REQUIRE_CLIENTS=1.
func outsideAddr(t *testing.T, ip string) string {
	t.Helper()
	out, err := exec.Command("ip", "addr", "add", ip+"/32", "dev", "lo").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot add %s to the loopback interface (needs root and iproute2): %v %s", ip, err, out)
		if testutil.RequireClients() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { exec.Command("ip", "addr", "del", ip+"/32", "dev", "lo").Run() })
	return ip
}

// unfileablePython sends one message from a source address to alice and to
// each unfileable recipient, prints the code of each RCPT, then the 250's
// queue id.
const unfileablePython = `
import smtplib, sys
host, port, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP(host, port, timeout=30, source_address=(src, 0))
s.ehlo("outside.example")
s.mail("py@far.example")
for r in sys.argv[4:]:
    code, text = s.rcpt(r)
    print(r, code, text.decode().split()[0])
code, text = s.data(b"From: <py@far.example>\r\nSubject: issue 22\r\n\r\nhello\r\n")
assert code == 250, (code, text)
print(text.decode().split()[-1])
s.quit()
`

// TestUnfileableRecipientSmtplib is the same against the real binary, with
// Python's smtplib sending from 192.0.2.30: each unfileable recipient gets
// 550 5.1.3, alice gets her copy, and nothing is put aside in bad/.
func TestUnfileableRecipientSmtplib(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	src := outsideAddr(t, "192.0.2.30")
	dir := newTree(t, "")
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir, "/MDA", "/RELAY:2", "/NICE:60000")
	host, port, _ := net.SplitHostPort(in.addr)
	args := append([]string{"-c", unfileablePython, host, port, src, "alice@test.example"}, unfileableRcpts...)
	out, err := exec.Command(py, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, out, in.out())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(unfileableRcpts)+2 {
		t.Fatalf("python printed:\n%s", out)
	}
	if want := "alice@test.example 250 2.1.5"; lines[0] != want {
		t.Errorf("%q, want %q", lines[0], want)
	}
	for i, r := range unfileableRcpts {
		if want := r + " 550 5.1.3"; lines[i+1] != want {
			t.Errorf("%q, want %q", lines[i+1], want)
		}
	}
	id := lines[len(lines)-1]
	mdaWaitFile(t, in, filepath.Join(dir, "users", "alice@test.example", id+".eml"))
	if bad, _ := filepath.Glob(filepath.Join(dir, "queue", "bad", "*")); len(bad) != 0 {
		t.Errorf("bad/ holds %q", bad)
	}
	if !strings.Contains(in.out(), "[192.0.2.30]") {
		t.Errorf("the server did not see the client at 192.0.2.30:\n%s", in.out())
	}
}
