package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"mailq/internal/benchutil"
	"mailq/queue"
)

// popTarget is one POP3 contender: fill writes the mailboxes into a fresh
// folder (before the server starts), start runs the server on it.
type popTarget struct {
	name  string
	fill  func(dir string, boxes map[string][][]byte) error
	start func(dir string) (addr string, cmd *exec.Cmd, err error)
}

type popResult struct {
	parallel float64          // messages a second, 10 sessions
	bigMBs   float64          // MB a second, one session
	stat     [3]time.Duration // PASS to the end of LIST: first, second, after restart
	mem      benchutil.Memory
}

// The mailboxes of the POP3 test.
func popUser(i int) string { return fmt.Sprintf("pop%d@%s", i, benchDomain) }

const (
	bigUser  = "big@" + benchDomain
	statUser = "many@" + benchDomain
)

func popUsers() []string {
	u := []string{bigUser, statUser}
	for i := range 10 {
		u = append(u, popUser(i))
	}
	return u
}

// popTargets lists mailq and, when installed, Dovecot.
func popTargets(o opts) []popTarget {
	t := []popTarget{{name: "mailq /pop", fill: fillMailq(o.mailq), start: startMailqPOP(o.mailq)}}
	if o.base != "" {
		t = append(t, popTarget{name: "base: " + filepath.Base(o.base) + " /pop", fill: fillMailq(o.base), start: startMailqPOP(o.base)})
	}
	if p, err := exec.LookPath("dovecot"); err == nil && os.Geteuid() == 0 && o.peers {
		t = append(t, popTarget{name: "Dovecot (Maildir)", fill: fillMaildir, start: startDovecot(p)})
	}
	return t
}

// popBoxes is the content of every mailbox, shared by the targets.
func popBoxes(o opts) map[string][][]byte {
	small := benchutil.MakeBody(4096, "pop@"+benchDomain)
	boxes := map[string][][]byte{}
	for i := range 10 {
		for range o.popMsgs {
			boxes[popUser(i)] = append(boxes[popUser(i)], small)
		}
	}
	big := bigBody(o.popBig << 20)
	for range 10 {
		boxes[bigUser] = append(boxes[bigUser], big)
	}
	for range o.stats {
		boxes[statUser] = append(boxes[statUser], small)
	}
	return boxes
}

// bigBody is a message of about size bytes of 76-column lines.
func bigBody(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: load@sender.example\r\nSubject: big\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len()+len(line) < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// runPOP runs one target's POP3 round on a fresh folder.
func runPOP(o opts, t popTarget) (popResult, error) {
	var res popResult
	dir, err := tempDir(o, "pop3")
	if err != nil {
		return res, err
	}
	if err := t.fill(dir, popBoxes(o)); err != nil {
		return res, err
	}
	addr, cmd, err := t.start(dir)
	if err != nil {
		return res, err
	}
	started(cmd)
	mem := benchutil.Sample(cmd.Process.Pid, 100*time.Millisecond)
	for i := range 2 {
		if res.stat[i], err = statLatency(addr, statUser); err != nil {
			stop(cmd)
			return res, err
		}
	}
	if res.parallel, err = popParallel(addr, o.popMsgs); err == nil {
		res.bigMBs, err = popBig(addr, o.popBig)
	}
	res.mem = mem.Stop()
	stop(cmd)
	if err != nil {
		return res, err
	}
	if addr, cmd, err = t.start(dir); err != nil {
		return res, err
	}
	started(cmd)
	defer stop(cmd)
	res.stat[2], err = statLatency(addr, statUser)
	return res, err
}

// popParallel retrieves every message of the 10 mailboxes, one session
// each, all at once; it returns messages a second.
func popParallel(addr string, perBox int) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	start := time.Now()
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := retrieveAll(addr, popUser(i), perBox)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return float64(10*perBox) / time.Since(start).Seconds(), nil
}

// popBig retrieves the 10 large messages in one session; MB a second.
func popBig(addr string, mb int) (float64, error) {
	start := time.Now()
	n, err := retrieveAll(addr, bigUser, 10)
	if err != nil {
		return 0, err
	}
	return float64(n) / (1 << 20) / time.Since(start).Seconds(), nil
}

// retrieveAll logs in as user, checks STAT says want messages, RETRs each,
// and QUITs (nothing deleted); it returns the bytes read.
func retrieveAll(addr, user string, want int) (int64, error) {
	p, err := popLogin(addr, user)
	if err != nil {
		return 0, err
	}
	defer p.c.Close()
	line, err := p.cmd("STAT")
	var count int
	if err == nil {
		if _, err = fmt.Sscanf(line, "+OK %d", &count); err == nil && count != want {
			err = fmt.Errorf("%s: STAT says %d messages, want %d", user, count, want)
		}
	}
	var total int64
	for i := 1; err == nil && i <= count; i++ {
		var n int64
		n, err = p.multi(fmt.Sprintf("RETR %d", i))
		total += n
	}
	if err == nil {
		_, err = p.cmd("QUIT")
	}
	return total, err
}

// statLatency logs in as user and times PASS, STAT and LIST.
func statLatency(addr, user string) (time.Duration, error) {
	p, err := popDial(addr)
	if err != nil {
		return 0, err
	}
	defer p.c.Close()
	if _, err := p.cmd("USER " + user); err != nil {
		return 0, err
	}
	start := time.Now()
	if _, err := p.cmd("PASS " + benchPass); err != nil {
		return 0, err
	}
	if _, err := p.cmd("STAT"); err != nil {
		return 0, err
	}
	if _, err := p.multi("LIST"); err != nil {
		return 0, err
	}
	d := time.Since(start)
	_, err = p.cmd("QUIT")
	return d, err
}

// fillMailq writes each mailbox as mailq's MDA files it: <id>.eml in
// users/<address>/, after writing mailq.ini and the accounts.
func fillMailq(bin string) func(dir string, boxes map[string][][]byte) error {
	return func(dir string, boxes map[string][][]byte) error {
		if err := newMailqTree(bin, dir, "0", "0", true, popUsers()...); err != nil {
			return err
		}
		now := time.Now().Add(-time.Hour)
		for user, msgs := range boxes {
			box := filepath.Join(dir, "users", user)
			if err := os.MkdirAll(box, 0o700); err != nil {
				return err
			}
			seen := map[queue.ID]bool{}
			for i, m := range msgs {
				id := queue.NewID(now.Add(time.Duration(i) * time.Millisecond))
				for seen[id] {
					id = queue.NewID(now.Add(time.Duration(i) * time.Millisecond))
				}
				seen[id] = true
				if err := os.WriteFile(filepath.Join(box, string(id)+".eml"), m, 0o600); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// startMailqPOP starts mailq /pop on the tree fillMailq wrote, on a new
// port each time.
func startMailqPOP(bin string) func(dir string) (string, *exec.Cmd, error) {
	return func(dir string) (string, *exec.Cmd, error) {
		addr := benchutil.FreePort()
		_, port, _ := net.SplitHostPort(addr)
		if err := setPOPPort(dir, port); err != nil {
			return "", nil, err
		}
		cmd := exec.Command(bin, "/pop", "/q")
		cmd.Dir = dir
		if err := benchutil.StartAndDial(cmd, addr); err != nil {
			return "", nil, err
		}
		return addr, cmd, nil
	}
}

// setPOPPort rewrites the POPPort line of dir's mailq.ini (the accounts
// /adduser added stay).
func setPOPPort(dir, port string) error {
	path := filepath.Join(dir, "mailq.ini")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data = regexp.MustCompile(`(?m)^POPPort=\d+`).ReplaceAll(data, []byte("POPPort="+port))
	return os.WriteFile(path, data, 0o644)
}

// popClient is a minimal POP3 client that is not the bottleneck: one
// buffered reader, no copies of the message text.
type popClient struct {
	c net.Conn
	r *bufio.Reader
}

func popDial(addr string) (*popClient, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	p := &popClient{c: c, r: bufio.NewReaderSize(c, 256<<10)}
	if _, err := p.line(); err != nil {
		c.Close()
		return nil, err
	}
	return p, nil
}

func popLogin(addr, user string) (*popClient, error) {
	p, err := popDial(addr)
	if err != nil {
		return nil, err
	}
	if _, err = p.cmd("USER " + user); err == nil {
		_, err = p.cmd("PASS " + benchPass)
	}
	if err != nil {
		p.c.Close()
		return nil, err
	}
	return p, nil
}

// line reads one reply line and checks it is +OK.
func (p *popClient) line() (string, error) {
	l, err := p.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(l, "+OK") {
		return "", fmt.Errorf("POP3 reply %q", strings.TrimSpace(l))
	}
	return l, nil
}

func (p *popClient) cmd(c string) (string, error) {
	if _, err := p.c.Write([]byte(c + "\r\n")); err != nil {
		return "", err
	}
	l, err := p.line()
	if err != nil {
		err = fmt.Errorf("%s: %w", strings.Fields(c)[0], err)
	}
	return l, err
}

// multi sends c and reads its multi-line answer up to the lone dot; it
// returns the bytes read.
func (p *popClient) multi(c string) (int64, error) {
	if _, err := p.cmd(c); err != nil {
		return 0, err
	}
	var n int64
	for {
		l, err := p.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			n += int64(len(l))
			continue
		}
		if err != nil {
			return n, err
		}
		if len(l) == 3 && l[0] == '.' {
			return n, nil
		}
		n += int64(len(l))
	}
}
