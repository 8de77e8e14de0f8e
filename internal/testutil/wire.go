package testutil

import (
	"crypto/tls"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The slow and the endless client of the time-per-line tests of smtp and
// pop3, and the client side of STARTTLS and STLS, which those tests share.

// Drip writes s to c one byte every gap, over and over, until a write fails
// or stop is closed; done is closed once it has stopped. Each byte comes
// well within any idle time-out, so only a limit on the whole line stops it.
func Drip(c net.Conn, s string, gap time.Duration, stop <-chan struct{}) (done <-chan struct{}) {
	d := make(chan struct{})
	go func() {
		defer close(d)
		tick := time.NewTicker(gap)
		defer tick.Stop()
		for i := 0; ; i++ {
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write([]byte{s[i%len(s)]}); err != nil {
				return
			}
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	return d
}

// Flood writes a line that never ends to c, as fast as the connection
// takes it, until a write fails or the returned stop is called; stop waits
// for it to end.
func Flood(c net.Conn) (stop func()) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		chunk := []byte(strings.Repeat("x", 4096))
		for {
			select {
			case <-quit:
				return
			default:
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	return func() { close(quit); <-done }
}

// StartTLS runs the client side of the TLS handshake on c, after the
// server's yes to STARTTLS or STLS, with cfg and within 15 seconds, and
// returns the connection to go on with.
func StartTLS(t testing.TB, c net.Conn, cfg *tls.Config) *tls.Conn {
	t.Helper()
	tc := tls.Client(c, cfg)
	tc.SetDeadline(time.Now().Add(15 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	return tc
}

// CertFile writes the certificate of the server configuration cfg as PEM
// into a temporary folder and returns its path, for real clients that take
// a CA file.
func CertFile(t testing.TB, cfg *tls.Config) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cfg.Certificates[0].Certificate[0]})
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
