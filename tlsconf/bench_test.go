package tlsconf

import (
	"crypto/tls"
	"net"
	"testing"
)

// BenchmarkHandshake is full TLS handshakes with the server settings and a
// generated (ECDSA P-256) certificate, both ends in this process over a
// pipe, no session resumption. On one core:
//
//	GOMAXPROCS=1 go test -run '^$' -bench Handshake ./tlsconf
//
// The figure counts the client's work too; the server's share is about half.
func BenchmarkHandshake(b *testing.B) {
	for _, v := range []struct {
		name string
		max  uint16
	}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}} {
		b.Run(v.name, func(b *testing.B) {
			srv, _ := TestPair("bench.test")
			cli := &tls.Config{InsecureSkipVerify: true, MaxVersion: v.max, SessionTicketsDisabled: true}
			b.ReportAllocs()
			for b.Loop() {
				a, c := net.Pipe()
				done := make(chan error, 1)
				go func() { done <- tls.Server(a, srv).Handshake() }()
				if err := tls.Client(c, cli).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				a.Close()
				c.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}
