//go:build unix

package mxa

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
)

// Benchmarks (not run by CI):
//
//	go test -run '^$' -bench 'RelaySink' -benchtime 1x ./mxa
//	go test -run '^$' -bench 'RelayPostfix' -benchtime 1x ./mxa   (as root)
//	go test -run '^$' -bench 'IdleRetry' -benchtime 1x ./mxa
//
// MAILQ_BENCH_N sets the number of messages (5000), MAILQ_BENCH_WORKERS the
// agent's workers (4, the default), MAILQ_BENCH_IDLE the idle window (60s)
// and MAILQ_BENCH_RETRY the sets waiting in retry/ (100000).

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// body4K is a 4 KB message.
func body4K(i int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: bench@origin.test\r\nTo: rcpt@example.org\r\nSubject: bench %d\r\nMessage-ID: <%d@origin.test>\r\n\r\n", i, i)
	line := strings.Repeat("0123456789abcdef", 4) + "\r\n"
	for b.Len() < 4096-len(line) {
		b.WriteString(line)
	}
	return []byte(b.String())
}

// writeSets puts n committed sets into folder by writing the files directly
// (the test's own set-up; queue.WriteSet would sync each one).
func writeSets(tb testing.TB, dir string, n int, next time.Time) {
	tb.Helper()
	base := time.Now().UTC().Format("20060102150405")
	for i := range n {
		id := queue.ID(fmt.Sprintf("%s%08d", base, i))
		body := body4K(i)
		env := &queue.Envelope{ID: id, Tracking: queue.NewTrackingID(), Received: time.Now().UTC(),
			From: "bench@origin.test", Size: int64(len(body)),
			Recipients: []queue.Recipient{{N: 1, Addr: fmt.Sprintf("rcpt%d@example.org", i), Next: next}}}
		if !next.IsZero() {
			env.ID = id.Derive(1)
			env.Recipients[0].Attempts = 1
		}
		auth, err := env.MarshalText()
		if err != nil {
			tb.Fatal(err)
		}
		p := filepath.Join(dir, string(env.ID))
		if err := os.WriteFile(p+".eml", body, 0o644); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p+".auth", auth, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// countingSink runs smtp-sink without dumping and counts the messages it
// took from its running counters (-c).
func countingSink(tb testing.TB) (addr string, mesg *atomic.Int64) {
	tb.Helper()
	prog := testutil.Program(tb, "smtp-sink")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	args := []string{"-c", "-m", "512", addr, "1024"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prog, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); cmd.Wait() })
	mesg = &atomic.Int64{}
	re := regexp.MustCompile(`mesg=(\d+)`)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
			for i, c := range data {
				if c == '\r' || c == '\n' {
					return i + 1, data[:i], nil
				}
			}
			if atEOF && len(data) > 0 {
				return len(data), data, nil
			}
			return 0, nil, nil
		})
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				mesg.Store(n)
			}
		}
	}()
	testutil.Eventually(tb, "smtp-sink listening on "+addr, testutil.Dials(addr))
	return addr, mesg
}

// BenchmarkRelaySink relays N 4 KB messages from external/ to smtp-sink and
// reports messages per second, from the agent's start until the last set is
// filed in sent/.
func BenchmarkRelaySink(b *testing.B) {
	n := envInt("MAILQ_BENCH_N", 5000)
	workers := envInt("MAILQ_BENCH_WORKERS", config.Default().MXA.Workers)
	for b.Loop() {
		b.StopTimer()
		addr, _ := countingSink(b)
		f := newFixture(b, nil, func(o *Options) {
			o.MXA.MX, o.MXA.Gateway, o.MXA.Workers = config.MXGateway, addr, workers
			o.Timeouts = Timeouts{}
		})
		f.a.log = logs.Discard()
		writeSets(b, testDirs(f.dir).External, n, time.Time{})
		var filed atomic.Int64
		done := make(chan struct{})
		f.a.onFinish = func() {
			if filed.Add(1) == int64(n) {
				close(done)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error)
		b.StartTimer()
		start := time.Now()
		go func() { ran <- f.a.Run(ctx) }()
		<-done
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-ran
		if got := len(f.list(queue.Sent)); got != n {
			b.Fatalf("%d sets in sent/, want %d", got, n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.StartTimer()
	}
}

// BenchmarkIdleRetry indexes N sets in retry/, none due, and reports the
// CPU the process uses over the idle window that follows (getrusage: the
// agent and everything else the test binary runs), the time from start
// until the index was built, and the heap in use.
func BenchmarkIdleRetry(b *testing.B) {
	n := envInt("MAILQ_BENCH_RETRY", 100000)
	window := time.Duration(envInt("MAILQ_BENCH_IDLE", 60)) * time.Second
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, nil, func(o *Options) {
			o.MXA.MX, o.MXA.Gateway = config.MXGateway, "127.0.0.1:1"
			o.Rescan = 500 * time.Millisecond // the default Nice
		})
		f.a.log = logs.Discard()
		writeSets(b, testDirs(f.dir).Retry, n, time.Now().Add(24*time.Hour))
		runtime.GC()
		started := make(chan struct{})
		f.a.started = func() { close(started) }
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error)
		b.StartTimer()
		start := time.Now()
		go func() { ran <- f.a.Run(ctx) }()
		<-started
		indexTime := time.Since(start)
		runtime.GC()
		cpu0, t0 := cpuTime(), time.Now()
		time.Sleep(window) // the measured window: the benchmark's own clock
		used, wall := cpuTime()-cpu0, time.Since(t0)
		b.StopTimer()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		cancel()
		<-ran
		b.ReportMetric(100*used.Seconds()/wall.Seconds(), "%cpu")
		b.ReportMetric(indexTime.Seconds(), "s-index")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap")
		b.StartTimer()
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
