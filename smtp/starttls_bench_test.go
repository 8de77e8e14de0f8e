package smtp

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailq/logs"
)

// BenchmarkReceiveTLS is BenchmarkReceive's load (4 KB messages, 20
// sessions, fsync on) in plain text and with STARTTLS on every session:
// long sessions (per=0: each session sends until the benchmark is done) and
// a new session, with its own handshake, for every message (per=1).
//
//	go test -run '^$' -bench ReceiveTLS -benchtime 3000x ./smtp
func BenchmarkReceiveTLS(b *testing.B) {
	for _, per := range []int{0, 1} {
		for _, starttls := range []bool{false, true} {
			b.Run(fmt.Sprintf("per=%d/starttls=%v", per, starttls), func(b *testing.B) {
				ts := startServer(b, withTLS, func(o *Options) {
					o.SMTP.Threads = 64
					o.SMTP.MaxQueued = 0
					o.Log = logs.Discard()
				})
				var next atomic.Int64
				more := func() bool { return next.Add(1) <= int64(b.N) }
				var wg sync.WaitGroup
				b.SetBytes(int64(len(benchMessage)))
				b.ResetTimer()
				start := time.Now()
				for range 20 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for benchTLSSession(b, ts.addr, starttls, per, more) {
						}
					}()
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			})
		}
	}
}

// benchTLSSession runs one session: STARTTLS if asked, then up to per
// messages (0: no limit) while more() says so. It reports whether more
// messages are wanted.
func benchTLSSession(b *testing.B, addr string, starttls bool, per int, more func() bool) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return false
	}
	defer c.Close()
	var rw io.ReadWriter = c
	r := bufio.NewReader(c)
	expect := func(prefix string) bool {
		for {
			line, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(line, prefix) {
				b.Errorf("got %q (%v), want %s", line, err, prefix)
				return false
			}
			if line[3] == ' ' {
				return true
			}
		}
	}
	expect("220")
	io.WriteString(rw, "EHLO bench.example\r\n")
	expect("250")
	if starttls {
		io.WriteString(rw, "STARTTLS\r\n")
		expect("220")
		tc := tls.Client(c, clientTLS())
		if err := tc.Handshake(); err != nil {
			b.Error(err)
			return false
		}
		rw, r = tc, bufio.NewReader(tc)
		io.WriteString(rw, "EHLO bench.example\r\n")
		expect("250")
	}
	for n := 0; per == 0 || n < per; n++ {
		if !more() {
			io.WriteString(rw, "QUIT\r\n")
			expect("221")
			return false
		}
		io.WriteString(rw, "MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\n")
		if !expect("250") || !expect("250") || !expect("354") {
			return false
		}
		io.WriteString(rw, benchMessage+".\r\n")
		if !expect("250") {
			return false
		}
	}
	io.WriteString(rw, "QUIT\r\n")
	expect("221")
	return true
}
