package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/tlsconf"
)

var testCert = sync.OnceValues(func() (*tls.Config, *x509.CertPool) { return tlsconf.TestPair("mx.test") })

func withTLS(o *Options) {
	cfg, _ := testCert()
	o.TLS.Config = cfg
}

func tlsForAuth(o *Options) { o.TLS.RequireForAuth = true }

func implicitTLS(o *Options) { withTLS(o); o.TLS.Implicit = true }

func clientTLS() *tls.Config {
	_, pool := testCert()
	return &tls.Config{RootCAs: pool, ServerName: "mx.test"}
}

// stls sends STLS, expects +OK and runs the client handshake.
func (cl *client) stls() {
	cl.t.Helper()
	cl.must("+OK", "STLS")
	tc := testutil.StartTLS(cl.t, cl.c, clientTLS())
	cl.c, cl.r = tc, bufio.NewReader(tc)
}

// capa returns the capability lines.
func (cl *client) capa() []string {
	cl.t.Helper()
	cl.must("+OK", "CAPA")
	return strings.Split(strings.TrimSuffix(cl.body(), "\r\n"), "\r\n")
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSTLS checks CAPA around STLS (RFC 2595 §4): STLS only before TLS,
// USER, PLAIN and LOGIN only under TLS with RequireTLSForAuth, APOP and
// CRAM-MD5 (no password on the wire) always.
func TestSTLS(t *testing.T) {
	t.Parallel()
	e := startServer(t, withTLS, tlsForAuth)
	cl := dial(t, e.addr)
	caps := cl.capa()
	if !has(caps, "STLS") || has(caps, "USER") || !has(caps, "SASL CRAM-MD5") {
		t.Fatalf("CAPA before TLS: %q", caps)
	}
	cl.must("-ERR plain-text passwords need TLS", "USER %s", alice)
	cl.must("-ERR plain-text passwords need TLS", "AUTH PLAIN")
	cl.must("-ERR plain-text passwords need TLS", "AUTH LOGIN")
	cl.must("+ ", "AUTH CRAM-MD5")
	cl.must("-ERR authentication cancelled", "*")
	cl.must("-ERR", "STLS now")
	cl.stls()
	caps = cl.capa()
	if has(caps, "STLS") || !has(caps, "USER") || !has(caps, "SASL PLAIN LOGIN CRAM-MD5") {
		t.Fatalf("CAPA under TLS: %q", caps)
	}
	cl.must("-ERR Command not permitted when TLS active", "STLS")
	cl.login(alice, alicePW)
	cl.must("+OK 3 ", "STAT")
	cl.must("+OK", "QUIT")
	if !strings.Contains(e.log.String(), "TLS started: TLS1.3 ") || !strings.Contains(e.log.String(), "POP3S alice@test.example logged in") {
		t.Fatalf("log:\n%s", e.log)
	}
}

// TestSTLSInjection sends a command behind STLS in the same packet
// (CVE-2011-0411): it is dropped, and the USER given before STLS is
// forgotten.
func TestSTLSInjection(t *testing.T) {
	t.Parallel()
	e := startServer(t, withTLS)
	cl := dial(t, e.addr)
	cl.must("+OK", "USER %s", alice)
	fmt.Fprintf(cl.c, "STLS\r\nUSER %s\r\n", bob)
	if s := cl.line(); !strings.HasPrefix(s, "+OK") {
		t.Fatalf("STLS: %q", s)
	}
	tc := testutil.StartTLS(t, cl.c, clientTLS()) // the injected bytes must not reach it
	cl.c, cl.r = tc, bufio.NewReader(tc)
	// Neither alice's USER nor the injected one survived: PASS has no USER,
	// and this is the first reply under TLS.
	cl.must("-ERR send USER first", "PASS %s", alicePW)
	cl.login(bob, bobPW)
	cl.must("+OK 0 ", "STAT")
	if !strings.Contains(e.log.String(), "sent in the clear behind STLS") {
		t.Fatalf("log:\n%s", e.log)
	}
}

// TestPOP3HandshakeFailure: garbage after STLS ends the session; the log
// has the client and the reason.
func TestPOP3HandshakeFailure(t *testing.T) {
	t.Parallel()
	e := startServer(t, withTLS)
	cl := dial(t, e.addr)
	cl.must("+OK", "STLS")
	fmt.Fprintf(cl.c, "USER %s\r\n", alice)
	cl.closed()
	const want = "[127.0.0.1] TLS handshake failed: tls: first record does not look like a TLS handshake"
	testutil.EventuallyShow(t, "the failed handshake in the log",
		func() bool { return strings.Contains(e.log.String(), want) }, e.log.String)
}

// TestPOP3S is implicit TLS: the greeting comes under TLS, no STLS inside.
func TestPOP3S(t *testing.T) {
	t.Parallel()
	e := startServer(t, implicitTLS)
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", e.addr, clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	cl := &client{t: t, c: tc, r: bufio.NewReader(tc)}
	if g := cl.line(); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("greeting %q", g)
	}
	if has(cl.capa(), "STLS") {
		t.Fatal("STLS offered under implicit TLS")
	}
	cl.login(alice, alicePW)
	cl.must("+OK", "QUIT")
}

// writeTestCert writes the test certificate as PEM, for clients that take
// a CA file.
func writeTestCert(t *testing.T) string { cfg, _ := testCert(); return testutil.CertFile(t, cfg) }

// Real clients over STLS and POP3S.

func TestCurlPOP3TLS(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	ca := writeTestCert(t)
	for _, tc := range []struct {
		name   string
		mod    func(*Options)
		scheme string
	}{{"stls", withTLS, "pop3"}, {"pop3s", implicitTLS, "pop3s"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := startServer(t, tc.mod, tlsForAuth)
			_, port := hostPort(t, e.addr)
			url := tc.scheme + "://localhost:" + port + "/1"
			out := run(t, e.dir, nil, curl, "-sS", "--max-time", "20", "--ssl-reqd", "--cacert", ca,
				"--resolve", "localhost:"+port+":127.0.0.1", "-u", alice+":"+alicePW, url)
			if !strings.Contains(out, "Hello Alice.") {
				t.Fatalf("curl %s:\n%s", url, out)
			}
		})
	}
}

const poplibTLSScript = `
import poplib, ssl, sys
port, sport, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
p = poplib.POP3("localhost", port, timeout=20)
assert "STLS" in p.capa(), p.capa()
p.stls(context=ctx)
assert "STLS" not in p.capa()
p.user("alice@test.example"); p.pass_("secret")
assert p.stat()[0] == 3, p.stat()
p.quit()
p = poplib.POP3_SSL("localhost", sport, timeout=20, context=ctx)
p.user("alice@test.example"); p.pass_("secret")
lines = p.retr(1)[1]
assert b"Hello Alice." in lines, lines
p.quit()
print("ok")
`

func TestPythonPoplibTLS(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "poplib", "ssl")
	e := startServer(t, withTLS, tlsForAuth)
	s := newEnv(t, implicitTLS)
	s.start(t)
	_, port := hostPort(t, e.addr)
	_, sport := hostPort(t, s.addr)
	if out := run(t, e.dir, nil, py, "-c", poplibTLSScript, port, sport, writeTestCert(t)); !strings.Contains(out, "ok") {
		t.Fatalf("python: %s", out)
	}
}

// TestFetchmailTLS fetches over STLS (--sslproto: fetchmail then insists
// on STLS) and over POP3S (--ssl: TLS from the first byte), checking the
// certificate against the test CA. A private --pidfile lets it run beside
// TestFetchmail (as root the default lock is one file for all).
func TestFetchmailTLS(t *testing.T) {
	t.Parallel()
	fetchmail := testutil.Program(t, "fetchmail")
	ca := writeTestCert(t)
	for _, tc := range []struct {
		name  string
		mod   func(*Options)
		flags []string
	}{
		{"stls", withTLS, []string{"--sslproto", "TLS1.2+"}},
		{"ssl", implicitTLS, []string{"--ssl"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startServer(t, tc.mod, tlsForAuth)
			_, port := hostPort(t, e.addr)
			home := t.TempDir()
			out := filepath.Join(home, "delivered.txt")
			rc := filepath.Join(home, ".fetchmailrc")
			conf := fmt.Sprintf("set no syslog\n"+
				"poll localhost service %s protocol pop3 uidl auth password timeout 20\n"+
				"  user %q password %q is nobody here\n"+
				"  mda \"/bin/sh -c 'cat >> %s; echo ==END== >> %s'\"\n",
				port, alice, alicePW, out, out)
			os.WriteFile(rc, []byte(conf), 0o600)
			args := append([]string{"-f", rc, "--idfile", filepath.Join(home, "ids"), "--nosyslog", "--keep",
				"--sslcertck", "--sslcertfile", ca, "--pidfile", filepath.Join(home, "fetchmail.pid")}, tc.flags...)
			cmd := exec.Command(fetchmail, args...)
			cmd.Env = append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("fetchmail: %v\n%s", err, b)
			}
			if data, _ := os.ReadFile(out); strings.Count(string(data), "==END==") != 3 {
				t.Fatalf("delivered:\n%s", data)
			}
			if !strings.Contains(e.log.String(), "TLS started") {
				t.Fatalf("no TLS:\n%s", e.log)
			}
		})
	}
}

func TestMpopTLS(t *testing.T) {
	t.Parallel()
	mpop := testutil.Program(t, "mpop")
	ca := writeTestCert(t)
	for _, tc := range []struct {
		name     string
		mod      func(*Options)
		starttls string
	}{{"stls", withTLS, "on"}, {"pop3s", implicitTLS, "off"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := startServer(t, tc.mod, tlsForAuth)
			_, port := hostPort(t, e.addr)
			dir := t.TempDir()
			mbox := filepath.Join(dir, "mbox")
			conf := filepath.Join(dir, "mpoprc")
			os.WriteFile(conf, []byte(fmt.Sprintf("account default\nhost localhost\nport %s\n"+
				"user %s\npassword %s\nauth user\ntls on\ntls_starttls %s\ntls_trust_file %s\ntimeout 20\n"+
				"uidls_file %s\ndelivery mbox %s\n",
				port, alice, alicePW, tc.starttls, ca, filepath.Join(dir, "uidls"), mbox)), 0o600)
			run(t, dir, nil, mpop, "-C", conf, "--keep=on", "-q")
			if data, _ := os.ReadFile(mbox); !strings.Contains(string(data), "Hello Alice.") {
				t.Fatalf("mbox:\n%s", data)
			}
		})
	}
}

func TestOpenSSLSTLS(t *testing.T) {
	t.Parallel()
	openssl := testutil.Program(t, "openssl")
	e := startServer(t, withTLS, tlsForAuth)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-starttls", "pop3", "-crlf", "-quiet", "-connect", e.addr,
		"-CAfile", writeTestCert(t), "-verify_return_error", "-verify_hostname", "localhost")
	cmd.Stdin = strings.NewReader("USER " + alice + "\nPASS " + alicePW + "\nSTAT\nQUIT\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "+OK 3 ") {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
}
