//go:build unix

package main

import (
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// dsnPython submits one message to the binary as alice with the DSN
// parameters of RFC 3461 (smtplib sends them only when EHLO offers DSN).
// Arguments: host, port, recipient, subject.
const dsnPython = `
import smtplib, sys
host, port, to, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
msg = ("From: alice@test.example\r\nTo: %s\r\nSubject: %s\r\n\r\nhello\r\n" % (to, subject)).encode()
with smtplib.SMTP(host, port, timeout=20) as s:
    s.ehlo("client.example")
    assert s.has_extn("dsn")
    s.login("alice@test.example", "secret")
    s.sendmail("alice@test.example", [to], msg, mail_options=["RET=HDRS", "ENVID=e2e+2B1"],
               rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;bob+40far.example"])
print("ok")
`

// TestDSNRelay runs the binary with the MXA sending to Postfix's smtp-sink,
// once offering DSN and once not (-N). A next hop with DSN gets RET, ENVID,
// NOTIFY and ORCPT (xtext encoded again, only where xtext must) and reports
// success itself: no notice here. One without gets none of them, and the
// sender finds a success notice (RFC 3464
// Action: relayed) in her mailbox, with the ENVID and ORCPT she gave.
func TestDSNRelay(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	for _, c := range []struct {
		name string
		opts []string
		dsn  bool
	}{{"next hop with DSN", nil, true}, {"next hop without DSN", []string{"-N"}, false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sink, dump := mxaSink(t, c.opts...)
			dir := newTree(t, mxaINI(sink))
			if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
				t.Fatalf("/adduser exit %d:\n%s", code, out)
			}
			in := start(t, dir)
			host, port := splitAddr(t, in.addr)
			if out, err := exec.Command(py, "-c", dsnPython, host, port, "bob@far.example", "dsn relay").CombinedOutput(); err != nil {
				t.Fatalf("python: %v\n%s", err, out)
			}
			waitGlob(t, filepath.Join(dir, "queue", "sent", "*.auth"), 1, in)
			dumped := waitGlob(t, filepath.Join(dump, "*"), 1, in)
			data, err := os.ReadFile(dumped[0])
			if err != nil {
				t.Fatal(err)
			}
			passed := strings.Contains(string(data), "X-Rcpt-Args: <bob@far.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@far.example") &&
				strings.Contains(string(data), "RET=HDRS ENVID=e2e+2B1")
			if passed != c.dsn || !c.dsn && strings.Contains(string(data), "NOTIFY=") {
				t.Errorf("parameters passed on: %v, want %v:\n%s", passed, c.dsn, data)
			}
			if c.dsn {
				if m, _ := filepath.Glob(filepath.Join(dir, "users", "alice@test.example", "*.eml")); len(m) != 0 {
					t.Errorf("a notice although the next hop took the request: %v", m)
				}
				return
			}
			notice := waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, in)
			f, err := os.Open(notice[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			msg, err := mail.ReadMessage(f)
			if err != nil {
				t.Fatal(err)
			}
			types, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
			if len(types) != 3 || types[2] != "text/rfc822-headers" || !strings.Contains(bodies[2], "Subject: dsn relay") {
				t.Fatalf("parts %q", types)
			}
			blocks := testutil.FieldBlocks(bodies[1])
			if len(blocks) != 2 || blocks[0].Get("Original-Envelope-Id") != "e2e+1" {
				t.Fatalf("report:\n%s", bodies[1])
			}
			if b := blocks[1]; b.Get("Action") != "relayed" || b.Get("Original-Recipient") != "rfc822; bob@far.example" ||
				b.Get("Final-Recipient") != "rfc822; bob@far.example" {
				t.Errorf("recipient block %v", b)
			}
		})
	}
}

// TestDSNChain runs two servers: A (test.example) relays for b.example through
// its [LocalMX] table to B, a mailq that offers DSN. A passes the request on
// and sends no notice itself (the recipient is marked passed= in its
// sent/ set); B files the message for bob and, as NOTIFY=SUCCESS asked,
// writes the success notice (Action: delivered) to alice, which waits in
// B's external queue (B's MXA is off) with the ENVID and ORCPT she gave A.
func TestDSNChain(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	c := startChain(t, "test.example", "alice@test.example", "secret", "b.example", "bob@b.example")
	dirA, dirB, smtpA, smtpB := c.dirA, c.dirB, c.smtpA, c.smtpB
	host, port := splitAddr(t, smtpA.addr)
	if out, err := exec.Command(py, "-c", dsnPython, host, port, "bob@b.example", "dsn chain").CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s\nA:\n%s", err, out, smtpA.out())
	}
	sent := waitGlob(t, filepath.Join(dirA, "queue", "sent", "*.auth"), 1, smtpA)
	auth, _ := os.ReadFile(sent[0])
	if !strings.Contains(string(auth), " passed=yes") {
		t.Errorf("A's sent/ set does not record that B took the request:\n%s", auth)
	}
	waitGlob(t, filepath.Join(dirB, "users", "bob@b.example", "*.eml"), 1, smtpB)
	notice := waitGlob(t, filepath.Join(dirB, "queue", "external", "*.eml"), 1, smtpB)
	data, err := os.ReadFile(notice[0])
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	_, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
	blocks := testutil.FieldBlocks(bodies[1])
	if len(blocks) != 2 || blocks[0].Get("Original-Envelope-Id") != "e2e+1" || blocks[1].Get("Action") != "delivered" ||
		blocks[1].Get("Original-Recipient") != "rfc822; bob@far.example" {
		t.Errorf("B's notice:\n%s", data)
	}
	if m, _ := filepath.Glob(filepath.Join(dirA, "users", "alice@test.example", "*.eml")); len(m) != 0 {
		t.Errorf("A wrote a notice although B took the request: %v", m)
	}
}
