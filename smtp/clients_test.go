package smtp

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/queue"
)

// These tests drive real mail clients against an in-process server and
// check every message on disk: the .eml content and the .auth fields.

// run runs a client program with a time limit and returns its output.
func run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	return string(out)
}

// findMessage returns the committed message whose .eml contains marker,
// failing unless there is exactly one.
func (ts *testServer) findMessage(t *testing.T, marker string) (string, *queue.Envelope) {
	t.Helper()
	var eml string
	var env *queue.Envelope
	for _, id := range ts.committed(t) {
		e, en := ts.message(t, id)
		if strings.Contains(e, marker) {
			if env != nil {
				t.Fatalf("two messages contain %q", marker)
			}
			eml, env = e, en
		}
	}
	if env == nil {
		t.Fatalf("no committed message contains %q", marker)
	}
	return eml, env
}

func checkEnvelope(t *testing.T, env *queue.Envelope, from, user string, rcpts ...string) {
	t.Helper()
	if env.From != from || env.AuthUser != user || len(env.Recipients) != len(rcpts) {
		t.Fatalf("envelope from %q user %q rcpts %+v; want %q %q %v", env.From, env.AuthUser, env.Recipients, from, user, rcpts)
	}
	for i, r := range rcpts {
		if env.Recipients[i].Addr != r {
			t.Fatalf("recipient %d is %q, want %q", i, env.Recipients[i].Addr, r)
		}
	}
	if env.ClientIP.String() != "127.0.0.1" || env.Tracking == "" || env.Size == 0 {
		t.Fatalf("envelope %+v", env)
	}
}

const pythonClient = `
import smtplib, socket, sys
host, port = sys.argv[1], int(sys.argv[2])

def msg(subject, body="hello from python\r\n"):
    return ("From: admin@test.example\r\nTo: bob@test.example\r\nSubject: %s\r\n\r\n%s" % (subject, body)).encode()

# AUTH with each mechanism, forced; SIZE is sent because it is advertised.
for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
    s = smtplib.SMTP(host, port, timeout=30)
    s.ehlo("python.example")
    assert s.has_extn("size") and s.has_extn("pipelining") and s.has_extn("8bitmime")
    s.user, s.password = "admin@test.example", "secret"
    fn = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}[mech]
    code, _ = s.auth(mech, fn, initial_response_ok=(mech != "CRAM-MD5"))
    assert code == 235, code
    refused = s.sendmail("admin@test.example", ["bob@test.example", "far@elsewhere.example"], msg("python " + mech))
    assert refused == {}, refused
    s.quit()

# A wrong password.
s = smtplib.SMTP(host, port, timeout=30)
try:
    s.login("admin@test.example", "wrong")
    raise SystemExit("wrong password accepted")
except smtplib.SMTPAuthenticationError as e:
    assert e.smtp_code == 535, e
s.quit()

# SIZE: a message over the limit is refused at MAIL from its declared size.
s = smtplib.SMTP(host, port, timeout=30)
s.login("admin@test.example", "secret")
try:
    s.sendmail("admin@test.example", ["bob@test.example"], msg("too big", "x" * 300000))
    raise SystemExit("oversized message accepted")
except smtplib.SMTPSenderRefused as e:
    assert e.smtp_code == 552, e

# Pipelining: MAIL, RCPT, RCPT, DATA in one packet, replies read after.
s.sock.sendall(b"MAIL FROM:<admin@test.example>\r\nRCPT TO:<bob@test.example>\r\nRCPT TO:<nobody@elsewhere.example>\r\nDATA\r\n")
codes = [s.getreply()[0] for _ in range(4)]
assert codes == [250, 250, 250, 354], codes
s.sock.sendall(msg("python pipelined") + b"\r\n.\r\n")
code, text = s.getreply()
assert code == 250, (code, text)
s.quit()
print("ok")
`

func TestPythonSmtplib(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	ts := startServer(t, func(o *Options) { o.SMTP.MaxMessageSize = 200000 })
	host, port, _ := net.SplitHostPort(ts.addr)
	if out := run(t, "", py, "-c", pythonClient, host, port); !strings.Contains(out, "ok") {
		t.Fatalf("python: %s", out)
	}
	for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
		eml, env := ts.findMessage(t, "Subject: python "+mech+"\r\n")
		checkEnvelope(t, env, adminUser, adminUser, bobUser, "far@elsewhere.example")
		if !strings.Contains(eml, "hello from python\r\n") || !strings.Contains(eml, "Received: from python.example ") {
			t.Fatalf("message:\n%s", eml)
		}
		ts.waitLog(t, "authenticated as admin@test.example ("+mech+")")
	}
	_, env := ts.findMessage(t, "Subject: python pipelined\r\n")
	checkEnvelope(t, env, adminUser, adminUser, bobUser, "nobody@elsewhere.example")
	if n := len(ts.committed(t)); n != 4 {
		t.Fatalf("%d messages committed, want 4", n)
	}
}

func TestSwaks(t *testing.T) {
	t.Parallel()
	swaks := testutil.Program(t, "swaks")
	ts := startServer(t)
	for _, c := range []struct{ auth, pipe string }{{"PLAIN", "--pipeline"}, {"LOGIN", "--pipeline"}, {"CRAM-MD5", ""}} {
		args := []string{"--server", ts.addr, "--helo", "swaks.example", "--from", bobUser, "--to", adminUser + ",x@elsewhere.example",
			"--auth", c.auth, "--auth-user", bobUser, "--auth-password", bobPass,
			"--header", "Subject: swaks " + c.auth, "--body", "line one\n.line with a dot\nlast line"}
		if c.pipe != "" {
			args = append(args, c.pipe)
		}
		out := run(t, "", swaks, args...)
		if !strings.Contains(out, "250 2.0.0 OK queued as ") {
			t.Fatalf("swaks:\n%s", out)
		}
		eml, env := ts.findMessage(t, "Subject: swaks "+c.auth+"\r\n")
		checkEnvelope(t, env, bobUser, bobUser, adminUser, "x@elsewhere.example")
		if !strings.Contains(eml, "\r\nline one\r\n.line with a dot\r\nlast line\r\n") {
			t.Fatalf("body not stored exactly:\n%q", eml)
		}
	}
}

func TestCurl(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	ts := startServer(t)
	msg := filepath.Join(t.TempDir(), "msg.txt")
	os.WriteFile(msg, []byte("From: admin@test.example\r\nSubject: curl upload\r\n\r\nsent by curl\r\n"), 0o644)
	run(t, "", curl, "-sS", "--max-time", "30", "smtp://"+ts.addr+"/curl.example",
		"--mail-from", adminUser, "--mail-rcpt", bobUser, "--mail-rcpt", "far@elsewhere.example",
		"--user", adminUser+":"+adminPass, "--upload-file", msg)
	eml, env := ts.findMessage(t, "Subject: curl upload\r\n")
	checkEnvelope(t, env, adminUser, adminUser, bobUser, "far@elsewhere.example")
	if !strings.Contains(eml, "\r\n\r\nsent by curl\r\n") || !strings.Contains(eml, "from curl.example ") {
		t.Fatalf("message:\n%s", eml)
	}
	// Without credentials, relaying to another domain is refused.
	cmd := exec.Command(curl, "-sS", "--max-time", "30", "smtp://"+ts.addr, "--mail-from", adminUser,
		"--mail-rcpt", "far@elsewhere.example", "--upload-file", msg)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "550") {
		t.Fatalf("anonymous relay through curl: %v\n%s", err, out)
	}
}

func TestMsmtp(t *testing.T) {
	t.Parallel()
	msmtp := testutil.Program(t, "msmtp")
	ts := startServer(t)
	host, port, _ := net.SplitHostPort(ts.addr)
	for _, auth := range []string{"plain", "login", "cram-md5"} {
		run(t, "Subject: msmtp "+auth+"\r\n\r\nsent by msmtp\r\n", msmtp,
			"--host="+host, "--port="+port, "--tls=off", "--auth="+auth, "--user="+adminUser,
			"--passwordeval=echo "+adminPass, "--from="+adminUser, "--domain=msmtp.example", bobUser)
		eml, env := ts.findMessage(t, "Subject: msmtp "+auth+"\r\n")
		checkEnvelope(t, env, adminUser, adminUser, bobUser)
		if !strings.Contains(eml, "\r\n\r\nsent by msmtp\r\n") {
			t.Fatalf("message:\n%s", eml)
		}
	}
}
