//go:build unix

package main

import (
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/resolve/dnstest"
)

// End-to-end tests of the real binary with the clients that otherwise run
// only against in-process servers (curl, msmtp, fetchmail, mpop), and of
// POPRenameOnDelete, RefileUnknownUsers=False and DNSBL.

// clientTree makes a tree with the MDA on, the extra [Config] lines, and
// alice@test.example (password secret).
func clientTree(t *testing.T, config ...string) string {
	t.Helper()
	ini := strings.Replace(testINI, "[MDA]\nEnabled=False\n", "[MDA]\nEnabled=True\n", 1)
	ini = strings.Replace(ini, "[Config]\n", "[Config]\n"+strings.Join(append(config, ""), "\n"), 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	return dir
}

// runClient runs a client program and returns its output; it fails the
// test if the program fails.
func runClient(t *testing.T, env []string, stdin, prog string, args ...string) string {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(prog), args, err, out)
	}
	return string(out)
}

const aliceBox = "users/alice@test.example"

// TestBinaryCurlFetchmail: curl sends over SMTP with AUTH to the binary, the
// MDA files the message, fetchmail fetches it over POP3 from a /pop
// instance and deletes it, and with POPRenameOnDelete=True the deleted
// message is kept in the mailbox's deleted folder.
func TestBinaryCurlFetchmail(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	fetchmail := testutil.Program(t, "fetchmail")
	dir := clientTree(t, "POPRenameOnDelete=True")
	in := start(t, dir)
	pop := start(t, dir, "/pop")

	runClient(t, nil, "", curl, "-sS", "--max-time", "30", "smtp://"+in.addr+"/curl.example",
		"--mail-from", "alice@test.example", "--mail-rcpt", "alice@test.example",
		"--user", "alice@test.example:secret", "--upload-file", filepath.Join("testdata", "messages", "plain.eml"))
	popWaitFiles(t, filepath.Join(dir, aliceBox, "*.eml"), 1)

	host, port, _ := net.SplitHostPort(pop.addr)
	home := t.TempDir()
	out := filepath.Join(home, "delivered.txt")
	rc := clientConfig(t, "fetchmailrc", clientVars{Host: host, Port: port,
		User: "alice@test.example", Password: "secret", Work: home, Out: out})
	runClient(t, []string{"HOME=" + home, "FETCHMAILHOME=" + home}, "", fetchmail,
		"-f", rc, "--idfile", filepath.Join(home, "ids"), "--nosyslog", "--nokeep")
	got, _ := os.ReadFile(out)
	if !strings.Contains(string(got), "\n.A line that starts with a dot.\n..Two dots.\n") || !strings.Contains(string(got), "Subject: plain sample") {
		t.Errorf("fetchmail delivered:\n%s", got)
	}
	popWaitFiles(t, filepath.Join(dir, aliceBox, "*.eml"), 0)
	popWaitFiles(t, filepath.Join(dir, aliceBox, "deleted", "*.eml"), 1)
}

// TestBinaryMsmtpMpop: msmtp sends with AUTH PLAIN to the binary, mpop
// fetches with AUTH PLAIN from a /pop instance and deletes; without
// POPRenameOnDelete nothing is kept.
func TestBinaryMsmtpMpop(t *testing.T) {
	t.Parallel()
	msmtp := testutil.Program(t, "msmtp")
	mpop := testutil.Program(t, "mpop")
	dir := clientTree(t)
	in := start(t, dir)
	pop := start(t, dir, "/pop")

	host, port, _ := net.SplitHostPort(in.addr)
	smtprc := clientConfig(t, "msmtprc", clientVars{Host: host, Port: port, User: "alice@test.example", Password: "secret"})
	runClient(t, nil, "Subject: msmtp\r\n\r\nsent by msmtp\r\n", msmtp, "-C", smtprc, "alice@test.example")
	popWaitFiles(t, filepath.Join(dir, aliceBox, "*.eml"), 1)

	host, port, _ = net.SplitHostPort(pop.addr)
	work := t.TempDir()
	mbox := filepath.Join(work, "mbox")
	conf := clientConfig(t, "mpoprc", clientVars{Host: host, Port: port,
		User: "alice@test.example", Password: "secret", Work: work, Out: mbox})
	runClient(t, nil, "", mpop, "-C", conf, "--keep=off", "-q")
	got, _ := os.ReadFile(mbox)
	if !strings.Contains(string(got), "\nsent by msmtp\n") || !strings.Contains(string(got), "from msmtp.example") {
		t.Errorf("mpop delivered:\n%s", got)
	}
	popWaitFiles(t, filepath.Join(dir, aliceBox, "*.eml"), 0)
	if m, _ := filepath.Glob(filepath.Join(dir, aliceBox, "deleted", "*")); len(m) != 0 {
		t.Errorf("kept without POPRenameOnDelete: %v", m)
	}
}

// TestBinaryNoRefileUnknown: with RefileUnknownUsers=False the SMTP server
// refuses an unknown local user at RCPT, and a dropped set for one goes
// to failed/, never to the unknown folder.
func TestBinaryNoRefileUnknown(t *testing.T) {
	t.Parallel()
	ini := strings.Replace(testINI, "[MDA]\nEnabled=False\n", "[MDA]\nEnabled=True\nRefileUnknownUsers=False\n", 1)
	dir := newTree(t, ini)
	// /NOTLS: net/smtp upgrades to TLS whenever it is offered and then
	// insists on a trusted certificate, which the self-signed one is not.
	in := start(t, dir, "/NOTLS")
	err := smtp.SendMail(in.addr, nil, "someone@far.example", []string{"nobody@test.example"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "550") {
		t.Fatalf("RCPT for an unknown user: %v; want 550", err)
	}
	id := mdaDrop(t, dir, "someone@far.example", "nobody@test.example")
	mdaWaitFile(t, in, filepath.Join(dir, "queue", "failed", string(id.Derive(1))+".auth"))
	if m, _ := filepath.Glob(filepath.Join(dir, "users", "unknown", "*", "*.eml")); len(m) != 0 {
		t.Errorf("refiled to the unknown folder: %v", m)
	}
	// The notice is committed before its source is removed (exactly once
	// across a crash), so the source may still be there for a moment.
	deadline := time.Now().Add(20 * time.Second)
	for {
		m, _ := filepath.Glob(filepath.Join(dir, "queue", "*.auth"))
		if len(m) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left in the queue: %v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBinaryDNSBL: the binary looks an outside client up in the DNSBL zone
// of a dnstest server: 192.0.2.62, listed, gets 554 instead of the
// greeting; 192.0.2.63, not listed, is served.
func TestBinaryDNSBL(t *testing.T) {
	t.Parallel()
	testutil.SourceAddr(t, "192.0.2.62")
	testutil.SourceAddr(t, "192.0.2.63")
	dns := dnstest.Start(t)
	dns.Add("62.2.0.192.bl.test. 300 IN A 127.0.0.2", "62.2.0.192.bl.test. 300 IN TXT \"listed for a test\"")
	ini := strings.Replace(testINI, "[Config]\n", "[Config]\nDNSBLEnabled=True\nDNSServer="+dns.Addr+"\n", 1) +
		"[DNSBL]\nItem1=bl.test\n"
	in := start(t, newTree(t, ini))
	if g, _ := idleFrom(t, "192.0.2.62", in.addr); !strings.HasPrefix(g, "554 5.7.1 ") {
		t.Errorf("a listed client got %q", g)
	}
	if g, _ := idleFrom(t, "192.0.2.63", in.addr); !strings.HasPrefix(g, "220 ") {
		t.Errorf("a client not listed got %q", g)
	}
	if dns.Queries("62.2.0.192.bl.test") == 0 || dns.Queries("63.2.0.192.bl.test") == 0 {
		t.Errorf("DNSBL questions: %d for 192.0.2.62, %d for 192.0.2.63",
			dns.Queries("62.2.0.192.bl.test"), dns.Queries("63.2.0.192.bl.test"))
	}
}
