package smtp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailq/logs"
	"mailq/queue"
)

// Benchmarks (not run by CI): go test -run '^$' -bench . ./smtp
//
// BenchmarkReceive is the load: 4 KB messages over 20 concurrent
// sessions, each message committed with fsync, as smtp-source sends them
// (BenchmarkSMTPSource and BenchmarkSMTPMemory in e2e_smtp_test.go run the
// real binary under smtp-source, side by side with smtp-sink).
// BenchmarkCommitFloor is the same load without SMTP: what the file system
// and the commit protocol allow. BenchmarkLargeMessage measures the memory
// one 50 MB message costs, which must stay small because DATA is streamed.

// benchMessage is a 4 KB message.
var benchMessage = func() string {
	var b strings.Builder
	b.WriteString("From: a@elsewhere.example\r\nTo: admin@test.example\r\nSubject: load\r\n\r\n")
	for b.Len() < 4096-80 {
		b.WriteString("The quick brown fox jumps over the lazy dog, again and again and again.\r\n")
	}
	return b.String()
}()

func BenchmarkReceive(b *testing.B) {
	for _, sessions := range []int{1, 20} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			ts := startServer(b, func(o *Options) {
				o.SMTP.Threads = 64
				o.SMTP.MaxQueued = 0
				o.Log = logs.Discard()
			})
			var next atomic.Int64
			var wg sync.WaitGroup
			b.SetBytes(int64(len(benchMessage)))
			b.ResetTimer()
			start := time.Now()
			for range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					benchSession(b, ts.addr, func() bool { return next.Add(1) <= int64(b.N) })
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// benchSession sends messages over one connection while more() says so,
// pipelining MAIL, RCPT and DATA as smtp-source does.
func benchSession(b *testing.B, addr string, more func() bool) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return
	}
	defer c.Close()
	r := bufio.NewReader(c)
	expect := func(prefix string) bool {
		for {
			line, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(line, prefix[:3]) {
				b.Errorf("got %q (%v), want %s", line, err, prefix)
				return false
			}
			if line[3] == ' ' {
				return true
			}
		}
	}
	expect("220")
	io.WriteString(c, "EHLO bench.example\r\n")
	expect("250")
	for more() {
		io.WriteString(c, "MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\n")
		if !expect("250") || !expect("250") || !expect("354") {
			return
		}
		io.WriteString(c, benchMessage+".\r\n")
		if !expect("250") {
			return
		}
	}
	io.WriteString(c, "QUIT\r\n")
	expect("221")
}

// BenchmarkLargeMessage sends one 50 MB message and reports how much the
// process's peak resident memory rose (Linux), against the goal of less
// than 5 MB.
func BenchmarkLargeMessage(b *testing.B) {
	const size = 50 << 20
	ts := startServer(b, func(o *Options) {
		o.SMTP.MaxMessageSize = 64 << 20
		o.Log = logs.Discard()
	})
	line := strings.Repeat("x", 998) + "\r\n"
	b.SetBytes(size)
	var rise int64
	for b.Loop() {
		runtime.GC()
		before := vmHWM()
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(c)
		w := bufio.NewWriterSize(c, 64<<10)
		w.WriteString("EHLO bench.example\r\nMAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\n")
		w.Flush()
		for n := 0; n < size; n += len(line) {
			w.WriteString(line)
		}
		w.WriteString(".\r\nQUIT\r\n")
		w.Flush()
		all, _ := io.ReadAll(r)
		c.Close()
		if !strings.Contains(string(all), "250 2.0.0 OK queued as") {
			b.Fatalf("server said:\n%s", all)
		}
		rise = max(rise, vmHWM()-before)
	}
	b.ReportMetric(float64(rise)/(1<<20), "MB-peak-rise")
}

// vmHWM returns the process's peak resident set size in bytes, or 0 where
// /proc is not available.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkCommitFloor commits 4 KB messages straight into the queue from
// 20 goroutines, with no SMTP at all: the ceiling the file system and the
// commit protocol (DURABILITY rule 1: three fsyncs and two renames per
// message) put on BenchmarkReceive on this machine.
func BenchmarkCommitFloor(b *testing.B) {
	o := baseOptions(b)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(int64(len(benchMessage)))
	start := time.Now()
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				d, err := o.Tree.NewDraft(queue.Incoming)
				if err != nil {
					b.Error(err)
					return
				}
				io.WriteString(d, benchMessage)
				env := &queue.Envelope{From: "a@elsewhere.example", Recipients: []queue.Recipient{{Addr: adminUser}}}
				if err := d.Commit(env); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
