package main

import (
	"bufio"
	"encoding/base64"
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

	"mailq/internal/testutil"
)

// loginTestAddr adds ip (a 192.0.2.N/32 of the range this file may use) to
// the loopback interface for the test, so that a client can come from an
// address that is not loopback (loopback is exempt from the address rules).
// It needs root; without it the test skips, or fails under
// MAILQ_REQUIRE_CLIENTS=1.
func loginTestAddr(t *testing.T, ip string) netip.Addr {
	t.Helper()
	out, err := exec.Command("ip", "addr", "add", ip+"/32", "dev", "lo").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "File exists") {
		msg := "cannot add " + ip + " to the loopback interface (needs root and iproute2): " + strings.TrimSpace(string(out))
		if testutil.RequireClients() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() { exec.Command("ip", "addr", "del", ip+"/32", "dev", "lo").Run() })
	return netip.MustParseAddr(ip)
}

// dialFrom connects to addr from the local address from.
func dialFrom(t *testing.T, from netip.Addr, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(from, 0))}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// popFrom is popDial from a chosen local address.
func popFrom(t *testing.T, from netip.Addr, addr string) *popClient {
	t.Helper()
	c := dialFrom(t, from, addr)
	p := &popClient{t: t, c: c, r: bufio.NewReader(c)}
	p.greet = p.line()
	return p
}

// smtpAuthFrom opens an SMTP session from a chosen local address and
// returns the reply to AUTH PLAIN user pw as "code text".
func smtpAuthFrom(t *testing.T, from netip.Addr, addr, user, pw string) string {
	t.Helper()
	c := dialFrom(t, from, addr)
	c.SetDeadline(time.Now().Add(15 * time.Second))
	tc := textproto.NewConn(c)
	if _, _, err := tc.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	tc.PrintfLine("EHLO client.example")
	if _, _, err := tc.ReadResponse(250); err != nil {
		t.Fatal(err)
	}
	tc.PrintfLine("AUTH PLAIN %s", base64.StdEncoding.EncodeToString([]byte("\x00"+user+"\x00"+pw)))
	code, msg, err := tc.ReadResponse(0)
	if code == 0 {
		t.Fatalf("AUTH: %v", err)
	}
	tc.PrintfLine("QUIT")
	return fmt.Sprintf("%d %s", code, msg)
}

// TestLoginLimitsFromOutside runs the real binary's two instances and
// guesses one account's password from 192.0.2.10, in short sessions over
// POP3: after POPLockout (5) failures that address is refused for the
// account over POP3 and SMTP alike, the right password too, while the
// owner at 192.0.2.11 logs in over both. Before, the fifth failure locked
// the owner out everywhere until /UNLOCK.
func TestLoginLimitsFromOutside(t *testing.T) {
	t.Parallel()
	guesser, ownerIP := loginTestAddr(t, "192.0.2.10"), loginTestAddr(t, "192.0.2.11")
	dir := newTree(t, "")
	addUser(t, dir, popUser, popPW)
	smtpIn := start(t, dir)
	pop := start(t, dir, "/pop")
	for i := range 5 {
		p := popFrom(t, guesser, pop.addr)
		p.must("+OK", "USER %s", popUser)
		p.must("-ERR [AUTH] authentication failed", "PASS guess%d", i)
		p.c.Close()
	}
	p := popFrom(t, guesser, pop.addr)
	p.must("+OK", "USER %s", popUser)
	p.must("-ERR [AUTH] too many failed logins of this account from [192.0.2.10]; try again later", "PASS %s", popPW)
	if got := smtpAuthFrom(t, guesser, smtpIn.addr, popUser, popPW); got != "454 4.7.0 Too many failed logins of this account from [192.0.2.10]; try again later" {
		t.Fatalf("SMTP AUTH from the guessing address: %q", got)
	}
	owner := popFrom(t, ownerIP, pop.addr)
	owner.login(popUser, popPW)
	owner.must("+OK 0 0", "STAT")
	if got := smtpAuthFrom(t, ownerIP, smtpIn.addr, popUser, popPW); !strings.HasPrefix(got, "235") {
		t.Fatalf("SMTP AUTH of the owner from another address: %q", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "failedlogins.txt"))
	if err != nil || !strings.Contains(string(data), "pair 5 0 ") || !strings.Contains(string(data), " 192.0.2.10 =") {
		t.Fatalf("failedlogins.txt (%v):\n%s", err, data)
	}
	if out := pop.out(); !strings.Contains(out, "/UNLOCK:"+popUser) {
		t.Errorf("the console does not name /UNLOCK:\n%s", out)
	}
}

// TestPopLockedSameInBothServers: an account in [Pop-Locked] (an
// administrator's lock, or one an older version wrote) is refused by both
// servers in the same words as a wrong password, which is all POP3 ever
// said about it, so neither tells which accounts exist; the console says
// at start and at each refusal that it is locked, and how to unlock it.
func TestPopLockedSameInBothServers(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	addUser(t, dir, popUser, popPW)
	ini := filepath.Join(dir, "mailq.ini")
	data, err := os.ReadFile(ini)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ini, append(data, "\n[Pop-Locked]\n"+popUser+"=True\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	smtpIn := start(t, dir)
	pop := start(t, dir, "/pop")
	lo := netip.MustParseAddr("127.0.0.1")
	if got := smtpAuthFrom(t, lo, smtpIn.addr, popUser, popPW); got != "535 5.7.8 Authentication credentials invalid" {
		t.Errorf("SMTP AUTH of a [Pop-Locked] account: %q", got)
	}
	p := popDial(t, pop.addr)
	p.must("+OK", "USER %s", popUser)
	p.must("-ERR [AUTH] authentication failed", "PASS %s", popPW)
	for name, in := range map[string]*instance{"SMTP": smtpIn, "POP3": pop} {
		out := in.out()
		if !strings.Contains(out, "locked in [Pop-Locked]") || !strings.Contains(out, "/UNLOCK:"+popUser) {
			t.Errorf("%s console does not say the account is locked and how to unlock it:\n%s", name, out)
		}
	}
	if code, out := mailq(t, dir, "/unlock:"+popUser); code != 0 {
		t.Fatalf("/unlock exit %d:\n%s", code, out)
	}
	p.login(popUser, popPW)
}
