package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// crashClient is a minimal SMTP client for the crash test: it must see
// exactly which messages got 250, and survive the server vanishing at any
// byte.
type crashClient struct {
	c net.Conn
	r *bufio.Reader
}

func dialCrash(addr string) (*crashClient, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	cc := &crashClient{c: c, r: bufio.NewReader(c)}
	if code, err := cc.reply(); err != nil || code != 220 {
		c.Close()
		return nil, fmt.Errorf("greeting %d: %v", code, err)
	}
	return cc, nil
}

// reply reads one (possibly multi-line) reply and returns its code and
// last line.
func (cc *crashClient) reply() (int, error) {
	code, _, err := cc.replyText()
	return code, err
}

func (cc *crashClient) replyText() (int, string, error) {
	cc.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		line, err := cc.r.ReadString('\n')
		if err != nil {
			return 0, "", err
		}
		if len(line) < 4 {
			return 0, "", fmt.Errorf("short reply %q", line)
		}
		if line[3] == '-' {
			continue
		}
		code, err := strconv.Atoi(line[:3])
		return code, strings.TrimRight(line, "\r\n"), err
	}
}

func (cc *crashClient) write(s string) error {
	cc.c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	_, err := io.WriteString(cc.c, s)
	return err
}

// cmd sends a command and expects want.
func (cc *crashClient) cmd(line string, want int) error {
	if err := cc.write(line + "\r\n"); err != nil {
		return err
	}
	code, err := cc.reply()
	if err == nil && code != want {
		err = fmt.Errorf("%s: got %d, want %d", line, code, want)
	}
	return err
}

// begin opens a transaction up to the 354: EHLO, MAIL, RCPT, DATA.
func (cc *crashClient) begin() error {
	for _, s := range []struct {
		line string
		code int
	}{
		{"EHLO crash.example", 250}, {"MAIL FROM:<sender@far.example>", 250},
		{"RCPT TO:<postmaster@test.example>", 250}, {"DATA", 354},
	} {
		if err := cc.cmd(s.line, s.code); err != nil {
			return err
		}
	}
	return nil
}

// finish sends the final dot and returns the queue id of the 250, or an
// error when there was none (the server died first).
func (cc *crashClient) finish() (queue.ID, error) {
	if err := cc.write(".\r\n"); err != nil {
		return "", err
	}
	code, text, err := cc.replyText()
	if err != nil {
		return "", err
	}
	m := queuedRE.FindStringSubmatch(text)
	if code != 250 || m == nil {
		return "", fmt.Errorf("final dot: %q", text)
	}
	return queue.ID(m[1]), nil
}

var queuedRE = regexp.MustCompile(`^250 2\.0\.0 OK queued as (\d+)$`)

// crashLedger records what was sent and what was acknowledged, across
// clients and restarts.
type crashLedger struct {
	mu    sync.Mutex
	next  int
	sent  map[string]string   // marker → the message as sent, dot-unstuffed
	acked map[string]queue.ID // marker → the id of its 250
}

// message returns a new message with a unique marker and about size bytes
// of body. Every field FixHeaders looks for is present, so the stored .eml
// must end with the message exactly as sent.
func (l *crashLedger) message(size int) (marker, msg string) {
	l.mu.Lock()
	l.next++
	marker = "crash-" + strconv.Itoa(l.next)
	l.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "Date: Mon, 23 Nov 2026 12:00:00 +0000\r\nMessage-ID: <%s@far.example>\r\n"+
		"From: sender@far.example\r\nTo: postmaster@test.example\r\nSubject: %s\r\n\r\n", marker, marker)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "%s line %d: the quick brown fox jumps over the lazy dog\r\n", marker, i)
	}
	fmt.Fprintf(&b, "end of %s\r\n", marker)
	msg = b.String()
	l.mu.Lock()
	l.sent[marker] = msg
	l.mu.Unlock()
	return marker, msg
}

func (l *crashLedger) ack(marker string, id queue.ID) {
	l.mu.Lock()
	l.acked[marker] = id
	l.mu.Unlock()
}

// kill sends SIGKILL and waits for the process to be gone.
func (in *instance) kill() {
	in.t.Helper()
	in.cmd.Process.Kill()
	in.wait(10 * time.Second)
}

// TestSMTPCrash kills the real server with SIGKILL during DATA, right after
// final dots (in the commit) and at random moments under load, restarting it
// each time. After every kill, each message that got 250 is in the queue
// exactly once, committed and intact; every committed set parses, has the
// size its .auth records and holds one whole message as sent; nothing
// partial is listed (DURABILITY rules 1, 2 and 15).
func TestSMTPCrash(t *testing.T) {
	t.Parallel()
	dir := newTree(t, strings.Replace(testINI, "Timeout=5\n", "Timeout=5\nSMTPThreads=8\n", 1))
	l := &crashLedger{sent: map[string]string{}, acked: map[string]queue.ID{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	stats := map[string]int{}
	left := map[string]bool{} // uncommitted files seen after the kills
	for round := range 9 {
		in := start(t, dir)
		switch round % 3 {
		case 0:
			crashDuringData(t, in, l)
		case 1:
			stats["dots"] += 6
			stats["acked after dot"] += crashAfterDots(t, in, l, 6, time.Duration(rng.IntN(40000))*time.Microsecond)
		case 2:
			crashUnderLoad(t, in, l, time.Duration(100+rng.IntN(300))*time.Millisecond)
		}
		stats["committed, 250 lost"] = checkCrashTree(t, dir, l)
		for _, name := range uncommitted(t, dir) {
			left[name] = true
		}
		if t.Failed() {
			t.Fatalf("after round %d (kill %d)", round, round%3)
		}
	}
	// The server restarted after the last kill still takes mail.
	in := start(t, dir)
	cc, err := dialCrash(in.addr)
	if err != nil {
		t.Fatal(err)
	}
	marker, msg := l.message(1000)
	if err := cc.begin(); err != nil {
		t.Fatal(err)
	}
	cc.write(msg)
	id, err := cc.finish()
	if err != nil {
		t.Fatal(err)
	}
	l.ack(marker, id)
	cc.cmd("QUIT", 221)
	cc.c.Close()
	in.kill()
	checkCrashTree(t, dir, l)
	for name := range left {
		stats[where(name)]++
	}
	t.Logf("%d messages sent, %d acknowledged; %v", len(l.sent), len(l.acked), stats)
}

// crashDuringData commits one message, then kills the server halfway
// through the next one's data.
func crashDuringData(t *testing.T, in *instance, l *crashLedger) {
	t.Helper()
	cc, err := dialCrash(in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.c.Close()
	marker, msg := l.message(4096)
	if err := cc.begin(); err != nil {
		t.Fatal(err)
	}
	cc.write(msg)
	id, err := cc.finish()
	if err != nil {
		t.Fatal(err)
	}
	l.ack(marker, id)
	if err := cc.begin(); err != nil {
		t.Fatal(err)
	}
	_, msg = l.message(1 << 20)
	if err := cc.write(msg[:len(msg)/2]); err != nil {
		t.Fatal(err)
	}
	// A NOOP is data here: its reply cannot come. Waiting for the bytes to
	// be read is not observable, so give the server a moment to have
	// written some of them into its draft.
	time.Sleep(50 * time.Millisecond)
	in.kill()
}

// crashAfterDots prepares n transactions up to their final dot, sends the
// dots together and kills the server delay later: the kill lands while the
// commits are being written, synced and renamed. It returns how many got
// their 250 first.
func crashAfterDots(t *testing.T, in *instance, l *crashLedger, n int, delay time.Duration) int {
	t.Helper()
	type pending struct {
		cc     *crashClient
		marker string
	}
	var ps []pending
	for range n {
		cc, err := dialCrash(in.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cc.c.Close()
		marker, msg := l.message(2048 + rand.IntN(64<<10))
		if err := cc.begin(); err != nil {
			t.Fatal(err)
		}
		if err := cc.write(msg); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, pending{cc, marker})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if id, err := p.cc.finish(); err == nil {
				l.ack(p.marker, id)
				mu.Lock()
				acked++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(delay) // times the kill: it asserts nothing
	in.kill()
	wg.Wait()
	return acked
}

// crashUnderLoad runs clients sending messages of up to 256 KB back to back
// and kills the server after d.
func crashUnderLoad(t *testing.T, in *instance, l *crashLedger, d time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc, err := dialCrash(in.addr)
			if err != nil {
				return
			}
			defer cc.c.Close()
			for {
				select {
				case <-stop:
					return
				default:
				}
				marker, msg := l.message(rand.IntN(256 << 10))
				if cc.begin() != nil || cc.write(msg) != nil {
					return
				}
				id, err := cc.finish()
				if err != nil {
					return
				}
				l.ack(marker, id)
			}
		}()
	}
	time.Sleep(d) // times the kill: it asserts nothing
	in.kill()
	close(stop)
	wg.Wait()
}

var subjectRE = regexp.MustCompile(`(?m)^Subject: (crash-\d+)\r$`)

// checkCrashTree checks the incoming queue of the (stopped) instance in dir
// against the ledger and returns how many committed messages never got
// their 250 (the kill fell between the commit and the reply: allowed, the
// client retries and the duplicate is the client's, RFC 5321 §6.1).
func checkCrashTree(t *testing.T, dir string, l *crashLedger) int {
	t.Helper()
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tree.List(queue.Incoming)
	if err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]queue.ID{}
	for _, id := range ids {
		env, err := tree.Envelope(queue.Incoming, id)
		if err != nil {
			t.Errorf("listed set %s: %v", id, err)
			continue
		}
		eml, err := readSet(tree, id)
		if err != nil {
			t.Errorf("listed set %s: %v", id, err)
			continue
		}
		m := subjectRE.FindStringSubmatch(eml)
		switch {
		case int64(len(eml)) != env.Size:
			t.Errorf("set %s: .eml has %d bytes, its .auth says %d", id, len(eml), env.Size)
		case m == nil:
			t.Errorf("set %s has no crash subject:\n%.300s", id, eml)
		case seen[m[1]] != "":
			t.Errorf("%s is stored twice, as %s and %s", m[1], seen[m[1]], id)
		case !strings.HasSuffix(eml, "\r\n"+l.sent[m[1]]):
			t.Errorf("set %s is not %s as sent (%d bytes stored, %d sent)", id, m[1], len(eml), len(l.sent[m[1]]))
		case env.From != "sender@far.example" || len(env.Recipients) != 1 || env.Recipients[0].Addr != "postmaster@test.example":
			t.Errorf("set %s: envelope %+v", id, env)
		}
		if m != nil {
			seen[m[1]] = id
		}
	}
	for marker, id := range l.acked {
		if got := seen[marker]; got != id {
			t.Errorf("%s got 250 as %s but the queue holds %q", marker, id, got)
		}
	}
	return len(seen) - len(l.acked)
}

func readSet(tree *queue.Tree, id queue.ID) (string, error) {
	f, err := tree.Open(queue.Incoming, id)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return string(b), err
}

// uncommitted returns the files in the queue folder that belong to no
// committed set: temporaries and .eml files whose commit the kill cut
// short, the evidence of where the kills landed.
func uncommitted(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(config.DefaultPaths(dir).Queue)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			names[e.Name()] = true
		}
	}
	var left []string
	for name := range names {
		base, ext, _ := strings.Cut(name, ".")
		if (ext == "eml" && names[base+".auth"]) || (ext == "auth" && names[base+".eml"]) {
			continue
		}
		left = append(left, name)
	}
	return left
}

// where says where a kill left a file: in DATA (only the .eml temporary),
// in the commit (the .auth temporary written, or the .eml renamed alone).
func where(name string) string {
	switch {
	case strings.HasSuffix(name, ".auth.tmp"):
		return "killed in commit (.auth written)"
	case strings.HasSuffix(name, ".eml.tmp"):
		return "killed in DATA or before commit"
	case strings.HasSuffix(name, ".eml"):
		return "killed in commit (.eml renamed)"
	}
	return "other: " + name
}
