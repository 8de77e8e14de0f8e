package smtp

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// Real clients over STARTTLS and implicit TLS. Each message must arrive
// with the TLS details in its Received field; the clients check the
// certificate against the test CA where they can.

func checkTLSMessage(t *testing.T, ts *testServer, subject string) {
	t.Helper()
	eml, _ := ts.findMessage(t, "Subject: "+subject+"\r\n")
	if !strings.Contains(eml, "with ESMTPSA (TLS1.") {
		t.Fatalf("%s: Received does not record TLS:\n%s", subject, eml)
	}
}

func TestSwaksTLS(t *testing.T) {
	t.Parallel()
	swaks := testutil.Program(t, "swaks")
	starttls := startServer(t, withTLS, func(o *Options) { o.TLS.RequireForAuth = true })
	implicit := startServer(t, withTLS, func(o *Options) { o.TLS.Implicit = true })
	for _, c := range []struct{ name, flag, addr string }{
		{"starttls", "--tls", starttls.addr}, {"implicit", "--tlsc", implicit.addr},
	} {
		out := run(t, "", swaks, "--server", c.addr, c.flag, "--helo", "swaks.example", "--from", bobUser, "--to", adminUser,
			"--auth", "PLAIN", "--auth-user", bobUser, "--auth-password", bobPass,
			"--header", "Subject: swaks tls "+c.name, "--body", "over TLS")
		if !strings.Contains(out, "250 2.0.0 OK queued as ") || !strings.Contains(out, "TLS started") {
			t.Fatalf("swaks %s:\n%s", c.flag, out)
		}
	}
	checkTLSMessage(t, starttls, "swaks tls starttls")
	checkTLSMessage(t, implicit, "swaks tls implicit")
}

func TestCurlTLS(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	ca := writeTestCert(t)
	starttls := startServer(t, withTLS, func(o *Options) { o.TLS.RequireForAuth = true })
	implicit := startServer(t, withTLS, func(o *Options) { o.TLS.Implicit = true })
	msg := filepath.Join(t.TempDir(), "msg.txt")
	for _, c := range []struct{ name, url string }{
		{"starttls", "smtp://" + starttls.addr}, {"implicit", "smtps://" + implicit.addr},
	} {
		os.WriteFile(msg, []byte("From: admin@test.example\r\nSubject: curl tls "+c.name+"\r\n\r\nsent by curl\r\n"), 0o644)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(c.url, "smtps://"), "smtp://"))
		// The certificate names localhost: connect by that name.
		url := strings.Replace(c.url, "127.0.0.1:"+port, "localhost:"+port, 1) + "/curl.example"
		run(t, "", curl, "-sS", "--max-time", "30", "--ssl-reqd", "--cacert", ca, "--resolve", "localhost:"+port+":127.0.0.1",
			url, "--mail-from", adminUser, "--mail-rcpt", bobUser,
			"--user", adminUser+":"+adminPass, "--upload-file", msg)
	}
	checkTLSMessage(t, starttls, "curl tls starttls")
	checkTLSMessage(t, implicit, "curl tls implicit")
}

const pythonTLSClient = `
import smtplib, ssl, sys
host, port, sport, ca = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)

def msg(subject):
    return ("From: admin@test.example\r\nTo: bob@test.example\r\nSubject: %s\r\n\r\nhello\r\n" % subject).encode()

s = smtplib.SMTP("localhost", port, timeout=30)
s.ehlo("python.example")
assert s.has_extn("starttls")
assert "PLAIN" not in s.esmtp_features.get("auth", ""), s.esmtp_features
s.starttls(context=ctx)
s.ehlo("python.example")
assert not s.has_extn("starttls")
s.login("admin@test.example", "secret")
s.sendmail("admin@test.example", ["bob@test.example"], msg("python starttls"))
s.quit()

s = smtplib.SMTP_SSL("localhost", sport, timeout=30, context=ctx)
s.login("admin@test.example", "secret")
s.sendmail("admin@test.example", ["bob@test.example"], msg("python smtp_ssl"))
s.quit()
print("ok")
`

func TestPythonSmtplibTLS(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib", "ssl")
	starttls := startServer(t, withTLS, func(o *Options) { o.TLS.RequireForAuth = true })
	implicit := startServer(t, withTLS, func(o *Options) { o.TLS.Implicit = true })
	_, port, _ := net.SplitHostPort(starttls.addr)
	_, sport, _ := net.SplitHostPort(implicit.addr)
	if out := run(t, "", py, "-c", pythonTLSClient, "127.0.0.1", port, sport, writeTestCert(t)); !strings.Contains(out, "ok") {
		t.Fatalf("python: %s", out)
	}
	checkTLSMessage(t, starttls, "python starttls")
	checkTLSMessage(t, implicit, "python smtp_ssl")
}

func TestMsmtpTLS(t *testing.T) {
	t.Parallel()
	msmtp := testutil.Program(t, "msmtp")
	ca := writeTestCert(t)
	starttls := startServer(t, withTLS, func(o *Options) { o.TLS.RequireForAuth = true })
	implicit := startServer(t, withTLS, func(o *Options) { o.TLS.Implicit = true })
	for _, c := range []struct{ name, starttls string }{{"on", "on"}, {"off", "off"}} {
		ts := starttls
		if c.starttls == "off" {
			ts = implicit
		}
		_, port, _ := net.SplitHostPort(ts.addr)
		run(t, "Subject: msmtp tls "+c.name+"\r\n\r\nsent by msmtp\r\n", msmtp,
			"--host=localhost", "--port="+port, "--tls=on", "--tls-starttls="+c.starttls, "--tls-trust-file="+ca,
			"--auth=plain", "--user="+adminUser, "--passwordeval=echo "+adminPass, "--from="+adminUser,
			"--domain=msmtp.example", bobUser)
	}
	checkTLSMessage(t, starttls, "msmtp tls on")
	checkTLSMessage(t, implicit, "msmtp tls off")
}

// TestOpenSSLStartTLS drives openssl s_client -starttls smtp: it checks
// the certificate and then talks SMTP under TLS.
func TestOpenSSLStartTLS(t *testing.T) {
	t.Parallel()
	openssl := testutil.Program(t, "openssl")
	ts := startServer(t, withTLS)
	out := run(t, "EHLO openssl.example\nQUIT\n", openssl, "s_client", "-starttls", "smtp", "-crlf", "-quiet",
		"-connect", ts.addr, "-CAfile", writeTestCert(t), "-verify_return_error", "-verify_hostname", "localhost")
	// The EHLO openssl sent before STARTTLS offered it; ours, under TLS, must not.
	_, after, ok := strings.Cut(out, "250-mx.test Hello openssl.example")
	if !ok || strings.Contains(after, "STARTTLS") || !strings.Contains(after, "221 ") {
		t.Fatalf("openssl:\n%s", out)
	}
	ts.waitLog(t, "TLS started: TLS1.3")
}
