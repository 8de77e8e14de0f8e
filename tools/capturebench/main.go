// Command capturebench measures mailq as a test mail server, side by side
// with Mailpit, in one interleaved run on this machine: how many 4 KB
// messages a second each accepts from 20 concurrent sessions (mailq
// /capture durable and fast, Mailpit with its own temporary database), and
// mailq's peak memory while it receives ten large messages. It is a
// measuring tool, not part of the server.
//
//	go build -o /tmp/mailq . && go install github.com/axllent/mailpit@v1.33.1
//	go run ./tools/capturebench -mailq /tmp/mailq -mailpit $(go env GOPATH)/bin/mailpit
//
// Each round starts every server afresh in its own temporary folder, on
// loopback ports, sends -n messages over -sessions sessions (MAIL, RCPT and
// DATA pipelined, several messages per session), stops it by its PID, and
// records the rate of 250 replies and the rate at which the messages were
// stored where a client reads them (mailq: the mailbox folder; Mailpit: its
// API's count). The servers take turns round by round, so that a change in
// the machine's load touches all of them alike. The medians and their
// ratios are printed at the end.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"mailq/internal/benchutil"
)

func main() {
	mailq := flag.String("mailq", "", "the mailq binary (required)")
	mailpit := flag.String("mailpit", "", "the Mailpit v1.33.1 binary (empty: leave Mailpit out)")
	n := flag.Int("n", 4000, "messages per round")
	sessions := flag.Int("sessions", 20, "concurrent SMTP sessions")
	size := flag.Int("size", 4096, "message size in bytes")
	rounds := flag.Int("rounds", 3, "rounds (each server once per round)")
	big := flag.String("big", "5,25,50", "sizes in MB of the large messages of the memory test (ten of each; empty: skip)")
	flag.StringVar(&tmpRoot, "dir", "", "where the servers' temporary folders go (empty: the system's; /dev/shm for tmpfs)")
	flag.Parse()
	if *mailq == "" {
		fmt.Fprintln(os.Stderr, "capturebench: -mailq is required")
		os.Exit(2)
	}
	defer removeLeftovers()
	servers := []server{
		{name: "mailq durable", start: mailqStarter(*mailq, true)},
		{name: "mailq fast", start: mailqStarter(*mailq, false)},
	}
	if *mailpit != "" {
		servers = append(servers, server{name: "Mailpit v1.33.1", start: mailpitStarter(*mailpit)})
	}
	ack := map[string][]float64{}
	stored := map[string][]float64{}
	rss := map[string][]int64{}
	body := benchutil.MakeBody(*size, "bench@capture.example")
	for r := 1; r <= *rounds; r++ {
		for _, s := range servers {
			res, err := runRound(s, *n, *sessions, body)
			if err != nil {
				fmt.Fprintf(os.Stderr, "capturebench: %s: %v\n", s.name, err)
				removeLeftovers()
				os.Exit(1)
			}
			fmt.Printf("round %d  %-16s  250s %8.0f msg/s  stored %8.0f msg/s  peak RSS %4d MB\n",
				r, s.name, res.ack, res.stored, res.rss>>20)
			ack[s.name] = append(ack[s.name], res.ack)
			stored[s.name] = append(stored[s.name], res.stored)
			rss[s.name] = append(rss[s.name], res.rss)
		}
	}
	fmt.Printf("\nmedians over %d rounds, %d messages of %d bytes, %d sessions:\n", *rounds, *n, *size, *sessions)
	for _, s := range servers {
		fmt.Printf("  %-16s  250s %8.0f msg/s  stored %8.0f msg/s  peak RSS %4d MB\n",
			s.name, benchutil.Median(ack[s.name]), benchutil.Median(stored[s.name]), slices.Max(rss[s.name])>>20)
	}
	fast, durable := benchutil.Median(stored["mailq fast"]), benchutil.Median(stored["mailq durable"])
	fmt.Printf("  fast / durable (stored): %.1fx\n", fast/durable)
	if *mailpit != "" {
		mp := benchutil.Median(stored["Mailpit v1.33.1"])
		fmt.Printf("  fast / Mailpit (stored): %.1fx   durable / Mailpit: %.1fx\n", fast/mp, durable/mp)
		fmt.Printf("  fast / Mailpit (250s):   %.1fx\n", benchutil.Median(ack["mailq fast"])/benchutil.Median(ack["Mailpit v1.33.1"]))
	}
	if *big != "" {
		if err := bigTest(*mailq, *big); err != nil {
			fmt.Fprintf(os.Stderr, "capturebench: large messages: %v\n", err)
			removeLeftovers()
			os.Exit(1)
		}
	}
}

// server is one contender: start returns the SMTP address, a function
// counting what is stored, and the process.
type server struct {
	name  string
	start func(dir string) (*running, error)
}

type running struct {
	smtp   string
	stored func() (int, error)
	cmd    *exec.Cmd
}

type result struct {
	ack, stored float64 // messages a second
	rss         int64   // peak resident set, bytes
}

// tmpRoot is -dir.
var tmpRoot string

// leftovers are the rounds' folders, removed only at the end: removing
// thousands of files between rounds would slow the next round's file
// creation on some file systems (ext4 without a journal skips inodes freed
// in the last seconds, or minutes while their blocks are unwritten), and
// bill one server for another's clean-up.
var leftovers []string

func removeLeftovers() {
	for _, d := range leftovers {
		os.RemoveAll(d)
	}
}

func runRound(s server, n, sessions int, body []byte) (result, error) {
	dir, err := os.MkdirTemp(tmpRoot, "capturebench")
	if err != nil {
		return result{}, err
	}
	leftovers = append(leftovers, dir)
	run, err := s.start(dir)
	if err != nil {
		return result{}, err
	}
	defer benchutil.Stop(run.cmd)
	start := time.Now()
	if err := send(run.smtp, n, sessions, body, "bench@capture.example"); err != nil {
		return result{}, err
	}
	acked := time.Since(start)
	for {
		k, err := run.stored()
		if err != nil {
			return result{}, err
		}
		if k >= n {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return result{}, fmt.Errorf("only %d of %d stored after 10 minutes", k, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := time.Since(start)
	return result{ack: float64(n) / acked.Seconds(), stored: float64(n) / all.Seconds(), rss: benchutil.PeakRSS(run.cmd.Process.Pid)}, nil
}

// mailqStarter runs "mailq /capture" in a folder whose mailq.ini sets any
// free ports, the durability asked for, and limits above the test's.
func mailqStarter(bin string, durable bool) func(dir string) (*running, error) {
	return func(dir string) (*running, error) {
		// Free ports picked here: with /q the console says nothing.
		smtp := benchutil.FreePort()
		_, port, _ := net.SplitHostPort(smtp)
		ini := fmt.Sprintf("[Config]\nBind=127.0.0.1\nHostName=bench.test\nSMTPPort=%s\nPOPPort=0\nLogLevel=0\n"+
			"Durable=%v\nCaptureMaxMessages=0,0\nCaptureMaxMB=0,0\nSMTPMaxMessageSize=200\nSMTPMaxQueued=0\n", port, durable)
		if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "/capture", "/q")
		cmd.Dir = dir
		if err := benchutil.StartAndDial(cmd, smtp); err != nil {
			return nil, err
		}
		box := filepath.Join(dir, "users", "bench@capture.example")
		return &running{smtp: smtp, cmd: cmd, stored: func() (int, error) { return benchutil.CountEML(box) }}, nil
	}
}

// startAndFind starts cmd and reads its output until re matches.
func startAndFind(cmd *exec.Cmd, re *regexp.Regexp, dir string) (string, error) {
	var out bytes.Buffer
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return out.Write(p) })
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		return "", err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		m := re.FindSubmatch(out.Bytes())
		mu.Unlock()
		if m != nil {
			return string(m[1]), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	return "", fmt.Errorf("%s did not say where it listens:\n%s", cmd.Path, out.String())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// mailpitStarter runs Mailpit on two free loopback ports with a database in
// dir, keeping every message (--max 0), any SMTP credentials.
func mailpitStarter(bin string) func(dir string) (*running, error) {
	return func(dir string) (*running, error) {
		sp, hp := benchutil.FreePort(), benchutil.FreePort()
		cmd := exec.Command(bin, "--smtp", sp, "--listen", hp, "--database", filepath.Join(dir, "mailpit.db"),
			"--max", "0", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--smtp-disable-rdns", "--max-message-size", "0")
		cmd.Dir = dir
		if _, err := startAndFind(cmd, regexp.MustCompile(`(\[smtpd\] starting on \S+)`), dir); err != nil {
			return nil, err
		}
		// The HTTP API answers once the UI is up.
		count := func() (int, error) {
			resp, err := http.Get("http://" + hp + "/api/v1/messages?limit=1")
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			var v struct {
				Total int `json:"total"`
			}
			err = json.NewDecoder(resp.Body).Decode(&v)
			return v.Total, err
		}
		for i := 0; ; i++ {
			if _, err := count(); err == nil {
				break
			} else if i > 300 {
				return nil, fmt.Errorf("mailpit API: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return &running{smtp: sp, cmd: cmd, stored: count}, nil
	}
}

// send delivers n copies of body over sessions concurrent sessions.
func send(addr string, n, sessions int, body []byte, to string) error {
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	errs := make(chan error, sessions)
	var wg sync.WaitGroup
	for range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- session(addr, body, to, jobs)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func session(addr string, body []byte, to string, jobs <-chan struct{}) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReader(c)
	w := bufio.NewWriterSize(c, 64<<10)
	expect := func(code string) error {
		for {
			c.SetReadDeadline(time.Now().Add(120 * time.Second))
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(line, code) {
				return fmt.Errorf("got %q, want %s", strings.TrimSpace(line), code)
			}
			if len(line) < 4 || line[3] != '-' {
				return nil
			}
		}
	}
	if err := expect("220"); err != nil {
		return err
	}
	fmt.Fprintf(w, "EHLO bench.example\r\n")
	w.Flush()
	if err := expect("250"); err != nil {
		return err
	}
	for range jobs {
		fmt.Fprintf(w, "MAIL FROM:<load@sender.example>\r\nRCPT TO:<%s>\r\nDATA\r\n", to)
		w.Flush()
		for _, code := range []string{"250", "250", "354"} {
			if err := expect(code); err != nil {
				return err
			}
		}
		w.Write(body)
		w.WriteString(".\r\n")
		w.Flush()
		if err := expect("250"); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "QUIT\r\n")
	w.Flush()
	return nil
}

// bigTest receives ten messages of each size (one session after another,
// as attachments base64-encoded) in fast capture mode and prints the peak
// RSS after each size, from a fresh process per size.
func bigTest(bin, sizes string) error {
	fmt.Printf("\npeak RSS of mailq /capture receiving ten messages of each size (fresh process per size):\n")
	for _, f := range strings.Split(sizes, ",") {
		mb, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp(tmpRoot, "capturebench")
		if err != nil {
			return err
		}
		run, err := mailqStarter(bin, false)(dir)
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		body := attachment(mb << 20)
		err = send(run.smtp, 10, 1, body, "bench@capture.example")
		for err == nil {
			k, cerr := run.stored()
			if cerr != nil || k >= 10 {
				err = cerr
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		rss := benchutil.PeakRSS(run.cmd.Process.Pid)
		benchutil.Stop(run.cmd)
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
		fmt.Printf("  10 x %3d MB: peak RSS %d MB\n", mb, rss>>20)
	}
	return nil
}

// attachment is a MIME message carrying size bytes as a base64 attachment.
func attachment(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: load@sender.example\r\nTo: bench@capture.example\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=data.bin\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n" // 76 columns (RFC 2045 §6.8)
	for b.Len()+len(line) < size {
		b.WriteString(line)
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}
