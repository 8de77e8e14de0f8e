package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"mailq/internal/benchutil"
)

// The recipient of the SMTP load, at the one local domain of every target.
const (
	benchDomain = "bench.example"
	benchRcpt   = "bench@" + benchDomain
	benchPass   = "secret"
)

// smtpTarget is one SMTP contender: start returns its address, the count of
// messages stored, and its process (stopped by the caller).
type smtpTarget struct {
	name  string
	start func(dir string) (addr string, count func() (int, error), cmd *exec.Cmd, err error)
}

type smtpResult struct {
	stored, acked float64 // messages a second
	mem, idle     benchutil.Memory
}

// smtpTargets lists mailq and the installed peers.
func smtpTargets(o opts) []smtpTarget {
	t := []smtpTarget{{name: "mailq /mda", start: func(dir string) (string, func() (int, error), *exec.Cmd, error) {
		return startMailqSMTP(o.mailq, dir, true)
	}}, {name: "mailq /mda, DirectFiling=False", start: func(dir string) (string, func() (int, error), *exec.Cmd, error) {
		return startMailqSMTP(o.mailq, dir, false)
	}}}
	if o.base != "" {
		t = append(t, smtpTarget{name: "base: " + filepath.Base(o.base) + " /mda", start: func(dir string) (string, func() (int, error), *exec.Cmd, error) {
			return startMailqSMTP(o.base, dir, true)
		}})
	}
	if !o.peers {
		return t
	}
	if postfixMaster() != "" {
		t = append(t, smtpTarget{name: "Postfix (virtual, Maildir)", start: startPostfix})
	}
	if p, err := exec.LookPath("smtp-sink"); err == nil {
		t = append(t, smtpTarget{name: "smtp-sink (no storage)", start: func(dir string) (string, func() (int, error), *exec.Cmd, error) {
			return startSink(p)
		}})
	}
	return t
}

// runSMTP runs one target's SMTP round.
func runSMTP(o opts, t smtpTarget) (smtpResult, error) {
	dir, err := tempDir(o, "smtp")
	if err != nil {
		return smtpResult{}, err
	}
	addr, count, cmd, err := t.start(dir)
	if err != nil {
		return smtpResult{}, err
	}
	started(cmd)
	defer stop(cmd)
	idle := benchutil.TreeMemory(cmd.Process.Pid) // listening, nothing received yet
	mem := benchutil.Sample(cmd.Process.Pid, 100*time.Millisecond)
	start := time.Now()
	if err := load(addr, o.n, o.sessions, o.size); err != nil {
		mem.Stop()
		return smtpResult{}, err
	}
	acked := time.Since(start)
	if count != nil {
		if err := waitFor(count, o.n, start); err != nil {
			mem.Stop()
			return smtpResult{}, err
		}
	}
	all := time.Since(start)
	return smtpResult{stored: float64(o.n) / all.Seconds(), acked: float64(o.n) / acked.Seconds(), mem: mem.Stop(), idle: idle}, nil
}

// load sends n messages of size bytes over sessions concurrent sessions, a
// new connection per message: with smtp-source when installed (a C client,
// lighter on a small machine), else with the Go client below.
func load(addr string, n, sessions, size int) error {
	if p, err := exec.LookPath("smtp-source"); err == nil {
		cmd := exec.Command(p, "-s", strconv.Itoa(sessions), "-m", strconv.Itoa(n), "-l", strconv.Itoa(size),
			"-f", "load@sender.example", "-t", benchRcpt, "-M", "client.example", addr)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("smtp-source: %v\n%s", err, out)
		}
		return nil
	}
	body := benchutil.MakeBody(size, benchRcpt)
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := sendOne(addr, body); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// sendOne delivers body in a session of its own.
func sendOne(addr string, body []byte) error {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	r := bufio.NewReader(c)
	w := bufio.NewWriterSize(c, 16<<10)
	step := func(line, want string) error {
		if line != "" {
			w.WriteString(line)
			if err := w.Flush(); err != nil {
				return err
			}
		}
		for {
			got, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if !strings.HasPrefix(got, want) {
				return fmt.Errorf("after %q: %q", strings.TrimSpace(line), strings.TrimSpace(got))
			}
			if len(got) < 4 || got[3] != '-' {
				return nil
			}
		}
	}
	for _, s := range [][2]string{{"", "220"}, {"EHLO client.example\r\n", "250"},
		{"MAIL FROM:<load@sender.example>\r\n", "250"}, {"RCPT TO:<" + benchRcpt + ">\r\n", "250"},
		{"DATA\r\n", "354"}, {string(body) + ".\r\n", "250"}, {"QUIT\r\n", "221"}} {
		if err := step(s[0], s[1]); err != nil {
			return err
		}
	}
	return nil
}

// mailqINI is the configuration of a benchmark instance: loopback, the
// bench domain, the MDA on, limits above the load's.
func mailqINI(smtpPort, popPort string, direct bool) string {
	ini := "[Config]\nBind=127.0.0.1\nHostName=mailq.bench\nHostDomain=" + benchDomain +
		"\nSMTPPort=" + smtpPort + "\nPOPPort=" + popPort +
		"\nSMTPRelay=2\nSMTPThreads=64\nPOPThreads=32\nSMTPMaxQueued=0\nTimeout=120\n[Domains]\nDomain1=" + benchDomain +
		"\n[MDA]\nEnabled=True\n"
	if !direct { // every message through the queue and the MDA's pass (a build without the key ignores it)
		ini += "DirectFiling=False\n"
	}
	return ini
}

// newMailqTree writes mailq.ini into dir and adds the accounts.
func newMailqTree(bin, dir, smtpPort, popPort string, direct bool, users ...string) error {
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(mailqINI(smtpPort, popPort, direct)), 0o644); err != nil {
		return err
	}
	for _, u := range users {
		cmd := exec.Command(bin, "/adduser:"+u, "/pw:"+benchPass)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mailq /adduser:%s: %v\n%s", u, err, out)
		}
	}
	return nil
}

// startMailqSMTP starts mailq (SMTP with the MDA) on a fresh tree, with
// [MDA] DirectFiling as direct says.
func startMailqSMTP(bin, dir string, direct bool) (string, func() (int, error), *exec.Cmd, error) {
	addr := benchutil.FreePort()
	_, port, _ := net.SplitHostPort(addr)
	if err := newMailqTree(bin, dir, port, "0", direct, benchRcpt); err != nil {
		return "", nil, nil, err
	}
	cmd := exec.Command(bin, "/q")
	cmd.Dir = dir
	if err := benchutil.StartAndDial(cmd, addr); err != nil {
		return "", nil, nil, err
	}
	box := filepath.Join(dir, "users", benchRcpt)
	return addr, func() (int, error) { return benchutil.CountEML(box) }, cmd, nil
}

// startSink runs smtp-sink, which answers the protocol and stores nothing.
func startSink(bin string) (string, func() (int, error), *exec.Cmd, error) {
	addr := benchutil.FreePort()
	args := []string{addr, "256"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(bin, args...)
	if err := benchutil.StartAndDial(cmd, addr); err != nil {
		return "", nil, nil, err
	}
	return addr, nil, cmd, nil
}
