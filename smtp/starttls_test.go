package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/tlsconf"
)

// testCert is one certificate for mx.test (and localhost, 127.0.0.1) that
// every TLS test of the package serves, and a pool that trusts it.
var testCert = sync.OnceValues(func() (*tls.Config, *x509.CertPool) { return tlsconf.TestPair("mx.test") })

func withTLS(o *Options) {
	cfg, _ := testCert()
	o.TLS.Config = cfg
}

// tlsDirective reads the transcripts' TLS switches.
func tlsDirective(t *testing.T, k string, b bool) (func(*Options), bool) {
	switch k {
	case "starttls":
		return func(o *Options) {
			if b {
				withTLS(o)
			}
		}, true
	case "tls-for-auth":
		return func(o *Options) { o.TLS.RequireForAuth = b }, true
	}
	return nil, false
}

// clientTLS is what a client that checks the certificate uses.
func clientTLS() *tls.Config {
	_, pool := testCert()
	return &tls.Config{RootCAs: pool, ServerName: "mx.test"}
}

// starttls sends STARTTLS, expects 220 and runs the client handshake; the
// client then reads and writes through TLS.
func (c *client) starttls() tls.ConnectionState {
	c.t.Helper()
	c.expect("STARTTLS", "220 2.0.0 ")
	tc := testutil.StartTLS(c.t, c.c, clientTLS())
	c.c, c.r = tc, bufio.NewReader(tc)
	return tc.ConnectionState()
}

// startServerFrom is startServer with a listener whose connections report
// from as the client's address: a client that is not on loopback.
func startServerFrom(t *testing.T, from netip.Addr, mods ...func(*Options)) *testServer {
	t.Helper()
	o, qdir := baseOptionsDir(t)
	for _, m := range mods {
		m(&o)
	}
	buf := &syncBuffer{}
	off := false
	lg, err := logs.New(logs.Options{Console: buf, Level: logs.Debug, Color: &off})
	if err != nil {
		t.Fatal(err)
	}
	o.Log = lg
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, fromListener{ln, from}) }()
	stop := func() error { cancel(); return <-done }
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", buf.String())
		}
	})
	return &testServer{addr: ln.Addr().String(), srv: srv, tree: o.Tree, logs: buf, opt: o, stop: stop, qdir: qdir}
}

type fromListener struct {
	net.Listener
	from netip.Addr
}

func (l fromListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fromConn{c, net.TCPAddrFromAddrPort(netip.AddrPortFrom(l.from, 40000))}, nil
}

type fromConn struct {
	net.Conn
	remote net.Addr
}

func (c fromConn) RemoteAddr() net.Addr { return c.remote }

// TestStartTLSInjection sends a command behind STARTTLS in the same packet
// (CVE-2011-0411): it must be thrown away, not run after the handshake.
// The first reply under TLS is the one to the first command sent under
// TLS, and that command finds a fresh session (no EHLO, no AUTH).
func TestStartTLSInjection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS)
	for _, tc := range []struct{ name, injected string }{
		{"RSET", "RSET\r\n"},
		{"MAIL", "MAIL FROM:<evil@elsewhere.example>\r\n"},
		{"EHLO", "EHLO injected.example\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250")
			c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
			c.write("STARTTLS\r\n" + tc.injected)
			if r := c.reply(); !strings.HasPrefix(r, "220 ") {
				t.Fatalf("STARTTLS: %q", r)
			}
			tcn := testutil.StartTLS(t, c.c, clientTLS()) // the injected bytes must not reach it
			c.c, c.r = tcn, bufio.NewReader(tcn)
			// Session state is fresh: MAIL needs EHLO again, and the reply
			// is the first one under TLS (nothing answers the injection).
			c.expect("MAIL FROM:<admin@test.example>", "503 5.5.1 Send HELO or EHLO first")
			c.expect("EHLO client.example", "250")
			// AUTH did not survive: a new login is accepted, not "already".
			c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
			c.expect("QUIT", "221 ")
		})
	}
	ts.waitLog(t, "sent in the clear behind STARTTLS were discarded")
}

// TestStartTLSDialogue checks the replies around STARTTLS: it is offered
// only before TLS, takes no argument, is refused a second time, and the
// session under TLS receives mail with the TLS details in Received.
func TestStartTLSDialogue(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS, func(o *Options) { o.TLS.RequireForAuth = true })
	c, _ := dial(t, ts.addr)
	if r := c.expect("EHLO client.example", "250"); !strings.Contains(r, "250-STARTTLS") && !strings.HasSuffix(r, "250 STARTTLS") {
		t.Fatalf("STARTTLS not offered before TLS:\n%s", r)
	}
	c.expect("STARTTLS now", "501 5.5.4 ")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "538 5.7.11 ")
	c.starttls()
	r := c.expect("EHLO client.example", "250")
	if strings.Contains(r, "STARTTLS") || !strings.Contains(r, "AUTH PLAIN LOGIN CRAM-MD5") {
		t.Fatalf("EHLO under TLS:\n%s", r)
	}
	c.expect("STARTTLS", "503 5.5.1 ")
	c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
	if r := c.send(adminUser, []string{bobUser}, "Subject: over tls\r\n\r\nhi\r\n.\r\n"); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("DATA: %q", r)
	}
	c.expect("QUIT", "221 ")
	eml, _ := ts.findMessage(t, "Subject: over tls")
	if !strings.Contains(eml, "with ESMTPSA (TLS1.3 TLS_") {
		t.Fatalf("Received does not record TLS:\n%s", eml)
	}
	ts.waitLog(t, "ESMTPS")
	ts.waitLog(t, "TLS started: TLS1.3 ")
}

// TestSMTPRequireTLS: from outside, MAIL waits for STARTTLS (530 5.7.0);
// loopback and the exempt networks are not asked.
func TestSMTPRequireTLS(t *testing.T) {
	t.Parallel()
	require := func(o *Options) {
		o.TLS.RequireTLS = true
		o.TLS.Exempt = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	}
	for _, tc := range []struct {
		name string
		from netip.Addr
		want string
	}{
		{"outside", netip.MustParseAddr("192.0.2.7"), "530 5.7.0 Must issue a STARTTLS command first"},
		{"relay IP", netip.MustParseAddr("198.51.100.9"), "250 "},
		{"loopback", netip.MustParseAddr("127.0.0.1"), "250 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServerFrom(t, tc.from, withTLS, require)
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250")
			c.expect("MAIL FROM:<someone@elsewhere.example>", tc.want)
			if tc.want[0] == '5' {
				c.starttls()
				c.expect("EHLO client.example", "250")
				c.expect("MAIL FROM:<someone@elsewhere.example>", "250 ")
			}
		})
	}
}

// TestHandshakeFailure: a client that sends garbage, or nothing, after
// STARTTLS loses its session; the log names it and the reason.
func TestHandshakeFailure(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS, func(o *Options) { o.TLS.HandshakeTimeout = 300 * time.Millisecond })
	for _, tc := range []struct{ name, send, reason string }{
		{"garbage", "EHLO not.tls.example\r\n", "tls: first record does not look like a TLS handshake"},
		{"silent", "", "no handshake within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250")
			c.expect("STARTTLS", "220 ")
			if tc.send != "" {
				c.write(tc.send)
			}
			c.closed()
			ts.waitLog(t, "[127.0.0.1] TLS handshake failed: "+tc.reason)
		})
	}
}

// TestImplicitTLS is SMTPS: TLS before the greeting (RFC 8314 §3.3), and no
// STARTTLS inside.
func TestImplicitTLS(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS, func(o *Options) { o.TLS.Implicit = true })
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ts.addr, clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tc.Close() })
	c := &client{t: t, c: tc, r: bufio.NewReader(tc)}
	if g := c.reply(); !strings.HasPrefix(g, "220 mx.test ") {
		t.Fatalf("greeting %q", g)
	}
	if r := c.expect("EHLO client.example", "250"); strings.Contains(r, "STARTTLS") {
		t.Fatalf("STARTTLS offered under implicit TLS:\n%s", r)
	}
	c.expect("QUIT", "221 ")
	// A plain-text client gets no greeting in clear text.
	pc, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.Write([]byte("EHLO plain.example\r\n"))
	ts.waitLog(t, "TLS handshake failed")
}

// writeTestCert writes the test certificate as PEM, for clients that take
// a CA file.
func writeTestCert(t *testing.T) string { cfg, _ := testCert(); return testutil.CertFile(t, cfg) }

// TestHandshakeSlot: a client that stalls in the handshake holds its
// session slot only until the handshake deadline; then the slot is free.
func TestHandshakeSlot(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withTLS, func(o *Options) {
		o.SMTP.Threads = 1
		o.TLS.HandshakeTimeout = 200 * time.Millisecond
	})
	stalled, _ := dial(t, ts.addr)
	stalled.expect("EHLO client.example", "250")
	stalled.expect("STARTTLS", "220 ")
	// The only slot is taken: the next client is refused at once.
	if _, g := dial(t, ts.addr); !strings.HasPrefix(g, "421 ") {
		t.Fatalf("second client while the slot is held: %q", g)
	}
	stalled.closed() // the deadline ended the handshake and the session
	ts.waitLog(t, "TLS handshake failed: no handshake within 200ms")
	// The slot is released just after the close.
	testutil.Eventually(t, "the slot released", func() bool {
		c, g := dial(t, ts.addr)
		if strings.HasPrefix(g, "220 ") {
			c.expect("QUIT", "221 ")
			return true
		}
		return false
	})
}
