// Command mqload offers mail to an SMTP server at a fixed rate and measures
// what a user would notice: how long from the server's 250 to the message
// being in the recipient's mailbox folder. It is a measuring tool for mailq's
// benchmarks, not part of the server.
//
//	go run ./tools/mqload -addr 127.0.0.1:2525 -rate 100 -n 3000 -to a@localhost -mailbox run/users/a@localhost
//
// Messages are sent over -conns persistent connections (several messages per
// session, as a busy application would). The queue id is read from each 250
// reply ("queued as <id>"); the delivery time is when <id>.eml appears in the
// mailbox folder, observed with inotify (Linux). It prints the achieved send
// rate and the median, 90th, 99th percentile and maximum latency.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2525", "SMTP server address")
	rate := flag.Float64("rate", 100, "messages offered per second")
	n := flag.Int("n", 1000, "messages to send")
	conns := flag.Int("conns", 8, "concurrent SMTP sessions")
	size := flag.Int("size", 4096, "message size in bytes")
	from := flag.String("from", "load@example.org", "envelope sender")
	to := flag.String("to", "", "recipient (required)")
	mailbox := flag.String("mailbox", "", "the recipient's mailbox folder to watch (empty: measure 250 only)")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait for the last deliveries")
	flag.Parse()
	if *to == "" {
		fmt.Fprintln(os.Stderr, "mqload: -to is required")
		os.Exit(2)
	}
	var w *watcher
	if *mailbox != "" {
		var err error
		if w, err = newWatcher(*mailbox); err != nil {
			fmt.Fprintln(os.Stderr, "mqload:", err)
			os.Exit(1)
		}
	}
	body := makeBody(*size)
	jobs := make(chan int, *n)
	results := make(chan sent, *n)
	var wg sync.WaitGroup
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sender(*addr, *from, *to, body, jobs, results)
		}()
	}
	start := time.Now()
	interval := time.Duration(float64(time.Second) / *rate)
	for i := 0; i < *n; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(results)
	elapsed := time.Since(start)

	var ok []sent
	failed := 0
	for r := range results {
		if r.err != nil {
			failed++
			if failed <= 3 {
				fmt.Fprintln(os.Stderr, "mqload: send:", r.err)
			}
			continue
		}
		ok = append(ok, r)
	}
	fmt.Printf("offered %.0f msg/s: sent %d in %.2fs (%.1f msg/s achieved), %d failed\n",
		*rate, len(ok), elapsed.Seconds(), float64(len(ok))/elapsed.Seconds(), failed)
	acks := make([]time.Duration, 0, len(ok))
	for _, r := range ok {
		acks = append(acks, r.ackLatency)
	}
	report("DATA-to-250", acks)
	if w == nil {
		return
	}
	lat := w.wait(ok, *timeout)
	report("250-to-mailbox", lat)
	if missing := len(ok) - len(lat); missing > 0 {
		fmt.Printf("%d messages not in the mailbox after %v\n", missing, *timeout)
		os.Exit(1)
	}
}

type sent struct {
	id         string
	acked      time.Time
	ackLatency time.Duration
	err        error
}

var queuedRE = regexp.MustCompile(`queued as ([0-9]+(?:-[0-9]+)?)`)

func sender(addr, from, to string, body []byte, jobs <-chan int, out chan<- sent) {
	var c net.Conn
	var r *bufio.Reader
	dial := func() error {
		var err error
		if c, err = net.DialTimeout("tcp", addr, 10*time.Second); err != nil {
			return err
		}
		r = bufio.NewReaderSize(c, 4096)
		if _, err := reply(r); err != nil {
			return err
		}
		return cmd(c, r, "EHLO mqload.example\r\n", "250")
	}
	for range jobs {
		if c == nil {
			if err := dial(); err != nil {
				out <- sent{err: err}
				c = nil
				continue
			}
		}
		s := sendOne(c, r, from, to, body)
		if s.err != nil {
			c.Close()
			c = nil
		}
		out <- s
	}
	if c != nil {
		fmt.Fprintf(c, "QUIT\r\n")
		reply(r)
		c.Close()
	}
}

func sendOne(c net.Conn, r *bufio.Reader, from, to string, body []byte) sent {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	// MAIL, RCPT and DATA pipelined in one write (RFC 2920).
	fmt.Fprintf(c, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", from, to)
	for _, want := range []string{"250", "250", "354"} {
		line, err := reply(r)
		if err != nil {
			return sent{err: err}
		}
		if !strings.HasPrefix(line, want) {
			return sent{err: fmt.Errorf("got %q, want %s", line, want)}
		}
	}
	t0 := time.Now()
	c.Write(body)
	c.Write([]byte(".\r\n"))
	line, err := reply(r)
	if err != nil {
		return sent{err: err}
	}
	now := time.Now()
	if !strings.HasPrefix(line, "250") {
		return sent{err: fmt.Errorf("end of data: %q", line)}
	}
	m := queuedRE.FindStringSubmatch(line)
	if m == nil {
		return sent{err: fmt.Errorf("no queue id in %q", line)}
	}
	return sent{id: m[1], acked: now, ackLatency: now.Sub(t0)}
}

func cmd(c net.Conn, r *bufio.Reader, line, want string) error {
	fmt.Fprint(c, line)
	got, err := reply(r)
	if err == nil && !strings.HasPrefix(got, want) {
		err = fmt.Errorf("%s: got %q", strings.TrimSpace(line), got)
	}
	return err
}

// reply reads one (possibly multi-line) reply and returns its last line.
func reply(r *bufio.Reader) (string, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if len(line) < 4 || line[3] != '-' {
			return strings.TrimRight(line, "\r\n"), nil
		}
	}
}

func makeBody(size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: load@example.org\r\nTo: user@example.org\r\nSubject: load %d\r\nMessage-ID: <%d@mqload>\r\n\r\n", rand.Int(), rand.Int())
	for b.Len() < size {
		b.WriteString("The quick brown fox jumps over the lazy dog. 0123456789 abcdefghij\r\n")
	}
	return []byte(b.String())
}

func report(what string, d []time.Duration) {
	if len(d) == 0 {
		fmt.Printf("%s: no samples\n", what)
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	pct := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	fmt.Printf("%s latency over %d messages: median %v, p90 %v, p99 %v, max %v\n",
		what, len(d), pct(0.5).Round(10*time.Microsecond), pct(0.9).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), d[len(d)-1].Round(10*time.Microsecond))
}
