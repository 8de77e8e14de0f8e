package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// chainUTF8Python sends a message with a UTF-8 header through instance A
// to a UTF-8 address at B's internationalised domain, spelled with its
// U-label, under SMTPUTF8 (smtplib), then reads it from B's POP3 server in
// UTF-8 mode (poplib's utf8(), RFC 6856) with the account's U-label
// spelling, and prints it. Arguments: A's SMTP host and port, B's POP3 host
// and port.
const chainUTF8Python = `
import smtplib, poplib, sys, time
shost, sport, phost, pport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
msg = ("From: Alice <alice@a.example>\r\nTo: J\u00f6rg <j\u00f6rg@b\u00fccher.example>\r\n"
       "Subject: Gr\u00fc\u00dfe \u00fcber zwei Server\r\n\r\nHallo J\u00f6rg.\r\n").encode("utf-8")
with smtplib.SMTP(shost, sport, timeout=20) as s:
    s.ehlo("client.a.example")
    s.login("alice@a.example", "secret-a")
    s.sendmail("alice@a.example", ["J\u00f6rg@B\u00fccher.example"], msg, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
deadline = time.time() + 30
while True:
    p = poplib.POP3(phost, pport, timeout=20)
    p.utf8()
    p.user("j\u00f6rg@b\u00fccher.example")
    p.pass_("secret-b")
    count, _ = p.stat()
    if count or time.time() > deadline:
        break
    p.quit()
    time.sleep(0.1)
if count != 1:
    sys.exit("jörg has %d messages" % count)
lines = p.retr(1)[1]
p.quit()
sys.stdout.buffer.write(b"\n".join(lines) + b"\n")
`

// TestTwoInstanceChainUTF8 is TestTwoInstanceChain for internationalised
// mail (RFC 6531): A relays to B through [LocalMX] keyed by the A-label of
// B's domain; B, a mailq that offers SMTPUTF8, gets the set with the
// SMTPUTF8 parameter and files it in the UTF-8 account's folder, which
// POP3 serves to the U-label spelling of the name.
func TestTwoInstanceChainUTF8(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib", "poplib")
	const domB = "xn--bcher-kva.example" // bücher.example

	c := startChain(t, "a.example", "alice@a.example", "secret-a", domB, "jörg@bücher.example")
	dirA, smtpA, smtpB, popB := c.dirA, c.smtpA, c.smtpB, c.popB

	shost, sport := splitAddr(t, smtpA.addr)
	phost, pport := splitAddr(t, popB.addr)
	out, err := exec.Command(py, "-c", chainUTF8Python, shost, sport, phost, pport).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\nA:\n%s\nB:\n%s", err, out, smtpA.out(), smtpB.out())
	}
	got := string(out)
	for _, want := range []string{
		"Return-Path: <alice@a.example>",
		"by mx." + domB,
		"by mx.a.example",
		"Subject: Grüße über zwei Server",
		"To: Jörg <jörg@bücher.example>",
		"Hallo Jörg.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the message read from B lacks %q:\n%s", want, got)
		}
	}
	waitGlob(t, filepath.Join(dirA, "queue", "sent", "*.eml"), 1, smtpA)
	for _, f := range []string{"queue/external", "queue/retry", "queue/failed"} {
		if m, _ := filepath.Glob(filepath.Join(dirA, f, "*.eml")); len(m) != 0 {
			t.Errorf("A has %v in %s", m, f)
		}
	}
}
