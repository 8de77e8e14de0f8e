package mailtest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// selfSigned makes a certificate for 127.0.0.1, as a test server has.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// tlsServer serves one session: implicit TLS, or plain text until STARTTLS
// (SMTP) or STLS (POP3). It records whether the message or login arrived
// under TLS.
func tlsServer(t *testing.T, pop, implicit bool) (addr string, underTLS chan bool) {
	t.Helper()
	cfg := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	underTLS = make(chan bool, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		secure := false
		if implicit {
			c, secure = tls.Server(c, cfg), true
		}
		r := bufio.NewReader(c)
		say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
		if pop {
			say("+OK fake")
		} else {
			say("220 fake ESMTP")
		}
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			verb := strings.ToUpper(strings.Fields(l + " x")[0])
			switch verb {
			case "EHLO":
				say("250-fake\r\n250 STARTTLS")
			case "STARTTLS", "STLS":
				if pop {
					say("+OK begin TLS")
				} else {
					say("220 2.0.0 go ahead")
				}
				tc := tls.Server(c, cfg)
				if tc.Handshake() != nil {
					return
				}
				c, r, secure = tc, bufio.NewReader(tc), true
			case "DATA":
				say("354 go")
				for l != ".\r\n" {
					if l, err = r.ReadString('\n'); err != nil {
						return
					}
				}
				underTLS <- secure
				say("250 ok")
			case "PASS":
				underTLS <- secure
				say("+OK in")
			case "STAT":
				say("+OK 0 0")
			case "QUIT":
				say("+OK bye")
				return
			default:
				if pop {
					say("+OK")
				} else {
					say("250 ok")
				}
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String(), underTLS
}

func TestTLS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name          string
		pop, implicit bool
		args          []string
		want          int
	}{
		{"starttls", false, false, []string{"a@x.test", "b@y.test", "/STARTTLS", "/NOVERIFY"}, ExitOK},
		{"smtps", false, true, []string{"a@x.test", "b@y.test", "/TLS", "/NOVERIFY"}, ExitOK},
		{"stls", true, false, []string{"u", "p", "/POP", "/STARTTLS", "/NOVERIFY"}, ExitOK},
		{"pop3s", true, true, []string{"u", "p", "/POP", "/TLS", "/NOVERIFY"}, ExitOK},
		{"unverified smtp", false, false, []string{"a@x.test", "b@y.test", "/STARTTLS"}, ExitSMTPFailure},
		{"unverified pop3s", true, true, []string{"u", "p", "/POP", "/TLS"}, ExitPOPAuth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			addr, secure := tlsServer(t, c.pop, c.implicit)
			code, out := runAgainst(t, addr, c.args...)
			if code != c.want {
				t.Fatalf("exit %d, want %d:\n%s", code, c.want, out)
			}
			if c.want != ExitOK {
				if !strings.Contains(out, "/NOVERIFY") {
					t.Errorf("a failed verification does not suggest /NOVERIFY:\n%s", out)
				}
				return
			}
			if !<-secure {
				t.Fatalf("the message or password went in clear text:\n%s", out)
			}
			if !strings.Contains(out, "TLS 1.3") || !strings.Contains(out, "SHA-256") {
				t.Errorf("the trace does not show the TLS version and certificate:\n%s", out)
			}
		})
	}
}
