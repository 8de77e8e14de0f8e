//go:build unix

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// End-to-end tests of capture mode (mailq /capture): real clients send to
// addresses at any domain with any credentials, and read each recipient's
// mailbox over POP3 as that very address, from the one process /capture
// starts; retention under a burst; /RELEASE and its allow-list.

// captureINI is testINI (ports 0, MDA off: /capture turns it on) with the
// capture keys given.
func captureTree(t *testing.T, keys ...string) string {
	t.Helper()
	ini := strings.Replace(testINI, "[Config]\n", "[Config]\n"+strings.Join(append(keys, ""), "\n"), 1)
	return newTree(t, ini)
}

var pop3ListenRE = regexp.MustCompile(`POP3\s+listening on (\S+:\d+)`)

// startCapture runs mailq /capture in dir and returns it with the POP3
// server's address.
func startCapture(t *testing.T, dir string) (*instance, string) {
	t.Helper()
	in := start(t, dir, "/capture")
	in.waitOutput("instance running")
	m := pop3ListenRE.FindStringSubmatch(in.out())
	if m == nil {
		t.Fatalf("no POP3 listening line:\n%s", in.out())
	}
	return in, m[1]
}

// captureSend is a Python smtplib client: any AUTH credentials, and a check
// that STARTTLS is not offered (a default client would trip over the
// self-signed certificate).
const captureSend = `
import smtplib, sys
host, port, to, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with smtplib.SMTP(host, port, timeout=20) as s:
    s.ehlo("client.example")
    if s.has_extn("starttls"):
        sys.exit("STARTTLS offered in capture mode")
    s.login("whoever", "any password")
    s.sendmail("app@sender.example", [to], "Subject: %s\r\n\r\nsent by smtplib\r\n" % subject)
`

// TestBinaryCapture: smtplib, swaks, msmtp and curl send to four addresses
// at four domains; each is read back over POP3 as its own address with any
// password (curl, fetchmail, poplib); user+tag is folded; /stop ends the
// one process and both lock files go.
func TestBinaryCapture(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib", "poplib")
	swaks := testutil.Program(t, "swaks")
	msmtp := testutil.Program(t, "msmtp")
	curl := testutil.Program(t, "curl")
	fetchmail := testutil.Program(t, "fetchmail")
	dir := captureTree(t, "CapturePlusFold=True")
	in, popAddr := startCapture(t, dir)
	for _, want := range []string{"CAPTURE MODE", "FAST MODE", "Durable: off", "TLS: off"} {
		if !strings.Contains(in.out(), want) {
			t.Errorf("start-up output lacks %q", want)
		}
	}
	for _, lck := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, lck)); err != nil {
			t.Errorf("lock file: %v", err)
		}
	}
	host, port, _ := net.SplitHostPort(in.addr)
	runClient(t, nil, "", py, "-c", captureSend, host, port, "dev@anywhere.example", "by smtplib")
	runClient(t, nil, "", swaks, "--server", in.addr, "--from", "app@sender.example", "--to", "ops+ci@else.example",
		"--auth", "LOGIN", "--auth-user", "nobody", "--auth-password", "nothing", "--header", "Subject: by swaks", "--silent", "2")
	runClient(t, nil, "Subject: by msmtp\r\n\r\nsent by msmtp\r\n", msmtp, "--host="+host, "--port="+port, "--tls=off",
		"--auth=plain", "--user=x", "--passwordeval=echo y", "--from=app@sender.example", "qa@corp.example")
	msg := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(msg, []byte("Subject: by curl\r\n\r\nsent by curl\r\n"), 0o644)
	runClient(t, nil, "", curl, "-sS", "--max-time", "30", "smtp://"+in.addr+"/curl.example",
		"--mail-from", "app@sender.example", "--mail-rcpt", "Lead@Team.example", "--upload-file", msg)
	for _, box := range []string{"dev@anywhere.example", "ops@else.example", "qa@corp.example", "lead@team.example"} {
		popWaitFiles(t, filepath.Join(dir, "users", box, "*.eml"), 1)
	}

	// Read back as the very address sent to, with any password.
	got := runClient(t, nil, "", curl, "-sS", "--max-time", "30", "-u", "dev@anywhere.example:guess", "pop3://"+popAddr+"/1")
	if !strings.Contains(got, "Subject: by smtplib") {
		t.Errorf("curl POP3 read:\n%s", got)
	}
	got = runClient(t, nil, "", py, "-c", `
import poplib, sys
p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=20)
p.user("ops+ci@else.example"); p.pass_("anything")
print(b"\n".join(p.retr(1)[1]).decode()); p.quit()
`, strings.Split(popAddr, ":")[0], strings.Split(popAddr, ":")[1])
	if !strings.Contains(got, "Subject: by swaks") || !strings.Contains(got, "X-Original-To: ops+ci@else.example") {
		t.Errorf("poplib read (folded +tag):\n%s", got)
	}
	home := t.TempDir()
	out := filepath.Join(home, "delivered.txt")
	rc := filepath.Join(home, ".fetchmailrc")
	ph, pp, _ := net.SplitHostPort(popAddr)
	os.WriteFile(rc, []byte(fmt.Sprintf("set no syslog\npoll %s service %s protocol pop3 uidl auth password timeout 20\n"+
		"  user %q password %q is nobody here sslproto ''\n  mda \"/bin/sh -c 'cat >> %s'\"\n",
		ph, pp, "qa@corp.example", "made up", out)), 0o600)
	runClient(t, []string{"HOME=" + home, "FETCHMAILHOME=" + home}, "", fetchmail,
		"-f", rc, "--idfile", filepath.Join(home, "ids"), "--nosyslog", "--nokeep")
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "sent by msmtp") {
		t.Errorf("fetchmail delivered:\n%s", b)
	}
	popWaitFiles(t, filepath.Join(dir, "users", "qa@corp.example", "*.eml"), 0)

	// Nothing left the machine: nothing waits for the MXA either.
	if m, _ := filepath.Glob(filepath.Join(dir, "queue", "external", "*")); len(m) != 0 {
		t.Errorf("external queue: %v", m)
	}
	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop exit %d:\n%s", code, out)
	}
	if code := in.wait(30e9); code != 0 {
		t.Errorf("exit code %d", code)
	}
	for _, lck := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, lck)); !os.IsNotExist(err) {
			t.Errorf("%s after /stop: %v", lck, err)
		}
	}
}

// TestBinaryCaptureRetentionBurst: smtp-source sends a burst of 40 messages
// in 8 sessions to one address; with CaptureMaxMessages=10 the mailbox ends
// with exactly 10.
func TestBinaryCaptureRetentionBurst(t *testing.T) {
	t.Parallel()
	source := testutil.Program(t, "smtp-source")
	dir := captureTree(t, "CaptureMaxMessages=10,15")
	in, _ := startCapture(t, dir)
	runClient(t, nil, "", source, "-s", "8", "-m", "40", "-l", "2048", "-c", "-f", "app@sender.example",
		"-t", "burst@load.example", in.addr)
	popWaitFiles(t, filepath.Join(dir, "queue", "*.auth"), 0)
	popWaitFiles(t, filepath.Join(dir, "users", "burst@load.example", "*.eml"), 10)
	runClient(t, nil, "", source, "-s", "4", "-m", "12", "-c", "-f", "app@sender.example",
		"-t", "other@load.example", in.addr)
	popWaitFiles(t, filepath.Join(dir, "queue", "*.auth"), 0)
	popWaitFiles(t, filepath.Join(dir, "users", "other@load.example", "*.eml"), 10)
	// 20 > 15 in all: the 5 oldest of burst@ went.
	popWaitFiles(t, filepath.Join(dir, "users", "burst@load.example", "*.eml"), 5)
}

// TestBinaryRelease: a captured message is released to an allowed domain
// (a new set in the external queue, from the original sender, without the
// delivery fields) and refused, with exit code 3 and nothing written, for
// any other domain and for an unknown id.
func TestBinaryRelease(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	dir := captureTree(t, "ReleaseDomains=released.test")
	in, _ := startCapture(t, dir)
	host, port, _ := net.SplitHostPort(in.addr)
	runClient(t, nil, "", py, "-c", captureSend, host, port, "dev@anywhere.example", "release me")
	popWaitFiles(t, filepath.Join(dir, "users", "dev@anywhere.example", "*.eml"), 1)
	files, _ := filepath.Glob(filepath.Join(dir, "users", "dev@anywhere.example", "*.eml"))
	id := strings.TrimSuffix(filepath.Base(files[0]), ".eml")
	in.cmd.Process.Signal(os.Interrupt)
	in.wait(30e9)

	external := filepath.Join(dir, "queue", "external")
	for _, tc := range []struct {
		name, id, to, want string
	}{
		{"other domain", id, "dev@example.org", "is not at a domain this server may release mail to (ReleaseDomains allows only released.test"},
		{"unknown id", "2026010100000012345678", "dev@released.test", "no mailbox under"},
	} {
		code, out := mailq(t, dir, "/release:"+tc.id, "/to:"+tc.to)
		if code != exitCommand || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, output %q; want %d and %q", tc.name, code, out, exitCommand, tc.want)
		}
		if m, _ := filepath.Glob(filepath.Join(external, "*")); len(m) != 0 {
			t.Fatalf("%s: written to the external queue: %v", tc.name, m)
		}
	}
	// Later, without capture mode, release still works from the tree.
	code, out := mailq(t, dir, "/release:"+id, "/to:Dev@Released.test")
	if code != 0 {
		t.Fatalf("release: exit %d:\n%s", code, out)
	}
	auths, _ := filepath.Glob(filepath.Join(external, "*.auth"))
	emls, _ := filepath.Glob(filepath.Join(external, "*.eml"))
	if len(auths) != 1 || len(emls) != 1 {
		t.Fatalf("external queue after release: %v %v", auths, emls)
	}
	auth, _ := os.ReadFile(auths[0])
	eml, _ := os.ReadFile(emls[0])
	if !strings.Contains(string(auth), "app@sender.example") || !strings.Contains(string(auth), "dev@released.test") {
		t.Errorf("released envelope:\n%s", auth)
	}
	if strings.Contains(string(eml), "Return-Path:") || strings.Contains(string(eml), "Delivered-To:") ||
		!strings.Contains(string(eml), "Subject: release me") {
		t.Errorf("released message:\n%s", eml)
	}
	if kept, _ := filepath.Glob(filepath.Join(dir, "users", "dev@anywhere.example", "*.eml")); len(kept) != 1 {
		t.Errorf("the captured copy is not kept: %v", kept)
	}
}
