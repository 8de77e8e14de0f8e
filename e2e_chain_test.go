package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// chainPython sends one message through instance A as an authenticated user
// of a.example to a user of b.example (smtplib), then reads it back from
// instance B's POP3 server (poplib) and prints it. Arguments: A's SMTP host
// and port, B's POP3 host and port.
const chainPython = `
import smtplib, poplib, sys, time
shost, sport, phost, pport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
msg = ("From: Alice <alice@a.example>\r\nTo: Bob <bob@b.example>\r\n"
       "Subject: across two servers\r\n\r\nfirst line\r\n.a line that starts with a dot\r\nlast line\r\n")
with smtplib.SMTP(shost, sport, timeout=20) as s:
    s.ehlo("client.a.example")
    s.login("alice@a.example", "secret-a")
    s.sendmail("alice@a.example", ["bob@b.example"], msg)
deadline = time.time() + 30
while True:
    p = poplib.POP3(phost, pport, timeout=20)
    p.user("bob@b.example")
    p.pass_("secret-b")
    count, _ = p.stat()
    if count or time.time() > deadline:
        break
    p.quit()
    time.sleep(0.1)
if count != 1:
    sys.exit("bob has %d messages" % count)
uid = p.uidl(1).split()[2].decode()
lines = p.retr(1)[1]
p.dele(1)
p.quit()
sys.stdout.write("UID " + uid + "\n" + "\n".join(l.decode() for l in lines) + "\n")
`

// chain is two mail servers: A relays mail for B's domain through its
// [LocalMX] table to B's SMTP port; B files it (its MDA) and serves it over
// POP3.
type chain struct {
	dirA, dirB         string
	smtpA, smtpB, popB *instance
}

// startChain starts B for domain domB with the account userB (password
// secret-b), then A for domA with the account userA (password pwA),
// relaying domB to B.
func startChain(t *testing.T, domA, userA, pwA, domB, userB string) chain {
	t.Helper()
	tree := func(dom, extra string) string {
		return newTree(t, strings.NewReplacer("HostName=mx.test", "HostName=mx."+dom,
			"HostDomain=test.example", "HostDomain="+dom,
			"Domain1=test.example", "Domain1="+dom,
			"[MDA]\nEnabled=False", "[MDA]\nEnabled=True"+extra).Replace(testINI))
	}
	adduser := func(dir, user, pw string) {
		if code, out := mailq(t, dir, "/adduser:"+user, "/pw:"+pw); code != 0 {
			t.Fatalf("/adduser:%s: %d\n%s", user, code, out)
		}
	}
	var c chain
	c.dirB = tree(domB, "")
	adduser(c.dirB, userB, "secret-b")
	c.smtpB = start(t, c.dirB, "/RELAY:2")
	c.popB = start(t, c.dirB, "/POP")
	c.dirA = tree(domA, "\n[MXA]\nEnabled=True\nMX=Local\n[LocalMX]\nItem1="+domB+","+c.smtpB.addr)
	adduser(c.dirA, userA, pwA)
	c.smtpA = start(t, c.dirA, "/RELAY:1")
	return c
}

// TestTwoInstanceChain runs two mail servers: A (a.example) relays mail for
// b.example through its [LocalMX] table to B's SMTP port; B files it and
// serves it over POP3. The message arrives once, intact, with both trace
// headers, and A moves its set to sent/.
func TestTwoInstanceChain(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib", "poplib")

	c := startChain(t, "a.example", "alice@a.example", "secret-a", "b.example", "bob@b.example")
	dirA, dirB, smtpA, smtpB, popB := c.dirA, c.dirB, c.smtpA, c.smtpB, c.popB

	shost, sport := splitAddr(t, smtpA.addr)
	phost, pport := splitAddr(t, popB.addr)
	out, err := exec.Command(py, "-c", chainPython, shost, sport, phost, pport).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\nA:\n%s\nB:\n%s", err, out, smtpA.out(), smtpB.out())
	}
	got := string(out)
	for _, want := range []string{
		"Return-Path: <alice@a.example>",
		"Delivered-To: bob@b.example",
		"by mx.b.example", // B's Received line
		"by mx.a.example", // A's Received line, below it
		"ESMTPA",          // A saw an authenticated client
		"Subject: across two servers",
		"first line\n.a line that starts with a dot\nlast line\n", // poplib undoes the dot-stuffing
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the message read from B lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "by mx.b.example") > strings.Index(got, "by mx.a.example") {
		t.Errorf("B's Received line should be above A's:\n%s", got)
	}
	if n := strings.Count(got, "Subject: across two servers"); n != 1 {
		t.Errorf("subject appears %d times", n)
	}

	// A's set ends in sent/, nothing waits in external/ or retry/, and B's
	// mailbox is empty after DELE and QUIT.
	waitGlob(t, filepath.Join(dirA, "queue", "sent", "*.eml"), 1, smtpA)
	for _, f := range []string{"queue/external", "queue/retry", "queue/failed"} {
		if m, _ := filepath.Glob(filepath.Join(dirA, f, "*.eml")); len(m) != 0 {
			t.Errorf("A has %v in %s", m, f)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dirB, "users", "bob@b.example", "*.eml")); len(m) != 0 {
		t.Errorf("B's mailbox still holds %v after DELE and QUIT", m)
	}
	if _, err := os.Stat(filepath.Join(dirA, "users", "bob@b.example")); !os.IsNotExist(err) {
		t.Errorf("A filed mail for B's user locally: %v", err)
	}
}

func splitAddr(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("bad address %q", addr)
	}
	return addr[:i], addr[i+1:]
}

// waitGlob waits until pattern matches at least n files.
func waitGlob(t *testing.T, pattern string, n int, in *instance) []string {
	t.Helper()
	var m []string
	testutil.EventuallyShow(t, fmt.Sprintf("%d files matching %s", n, pattern), func() bool {
		m, _ = filepath.Glob(pattern)
		return len(m) >= n
	}, in.out)
	return m
}
