package pop3

// Benchmarks of RETR throughput, mailq against Dovecot's POP3 server, each
// in its own process so that its peak memory can be read from /proc:
//
//	go test -run '^$' -bench RETR -benchtime 3x ./pop3
//
// Each iteration is one session by one client: log in, STAT, RETR every
// message in turn (not pipelined, as fetchmail and mail clients do), QUIT.
// A warm-up session runs first, so both servers have measured their
// messages (mailq's size cache, Dovecot's index) and the files are in the
// page cache. Reported: MB/s (message octets), msgs/s, the server's peak
// RSS (VmHWM) and its CPU time per session. Dovecot is skipped when it is not
// installed; it runs from a throwaway configuration on a loopback port, with
// a static passdb and a maildir in a temporary folder.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

var benchShapes = []struct {
	name        string
	count, size int
}{
	{"1000x4KB", 1000, 4 << 10},
	{"10x10MB", 10, 10 << 20},
}

func BenchmarkRETR(b *testing.B) {
	for _, s := range benchShapes {
		b.Run("mailq/"+s.name, func(b *testing.B) { benchMailq(b, s.count, s.size) })
		b.Run("dovecot/"+s.name, func(b *testing.B) { benchDovecot(b, s.count, s.size) })
	}
}

// BenchmarkLogin measures USER/PASS to +OK and QUIT on the same mailboxes:
// "cold" with mailq's size cache emptied before each login and its file
// removed (the first login ever, when every message is read through the
// dot-encoder to measure it), "restart" with only the memory emptied (the
// first login after a restart reads the size cache file), "warm" with the
// cache of the previous login. The files are in the page cache each time.
//
//	go test -run '^$' -bench Login -benchtime 5x ./pop3
func BenchmarkLogin(b *testing.B) {
	for _, s := range benchShapes {
		for _, mode := range []string{"cold", "restart", "warm"} {
			b.Run(s.name+"/"+mode, func(b *testing.B) { benchLogin(b, s.count, s.size, mode) })
		}
	}
}

func benchLogin(b *testing.B, count, size int, mode string) {
	e := newEnv(b)
	msg := string(benchMessage(size, "\r\n"))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range count {
		e.deliver(b, bob, queue.NewID(base.Add(time.Duration(i)*time.Second)), msg)
	}
	e.start(b)
	login := func() {
		cl := dial(b, e.addr)
		cl.login(bob, bobPW)
		cl.must("+OK", "QUIT") // the lock is released before this answer
		cl.c.Close()
	}
	login()
	b.ResetTimer()
	for range b.N {
		if mode != "warm" {
			b.StopTimer()
			e.srv.sizes.mu.Lock()
			clear(e.srv.sizes.users)
			e.srv.sizes.mu.Unlock()
			if mode == "cold" {
				os.Remove(filepath.Join(e.dir, "users", ".index", bob+".sizes"))
			}
			b.StartTimer()
		}
		login()
	}
}

// benchMessage returns a message of about size bytes: a header, then lines
// of 72 characters, every hundredth starting with a dot (to be stuffed).
func benchMessage(size int, eol string) []byte {
	var buf bytes.Buffer
	buf.Grow(size + 100)
	buf.WriteString("From: bench@example.org" + eol + "To: bob@test.example" + eol + "Subject: benchmark" + eol + eol)
	line := strings.Repeat("abcdefghi ", 8)[:72]
	for i := 0; buf.Len() < size; i++ {
		if i%100 == 99 {
			buf.WriteString("." + line[1:] + eol)
		} else {
			buf.WriteString(line + eol)
		}
	}
	return buf.Bytes()
}

func benchMailq(b *testing.B, count, size int) {
	e := newEnv(b)
	msg := string(benchMessage(size, "\r\n"))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range count {
		e.deliver(b, bob, queue.NewID(base.Add(time.Duration(i)*time.Second)), msg)
	}
	h := startHelper(b, e.dir)
	pid := h.cmd.Process.Pid
	runBench(b, h.addr, bob, bobPW, count, func() (int64, time.Duration) {
		return peakRSS(pid), cpuTime(pid)
	})
}

func benchDovecot(b *testing.B, count, size int) {
	if _, err := exec.LookPath("dovecot"); err != nil {
		b.Skip("dovecot is not installed")
	}
	dir := b.TempDir()
	dv := startDovecot(b, dir)
	cur := filepath.Join(dir, "mail", "bench", "cur")
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, "mail", "bench", d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	msg := benchMessage(size, "\n") // maildir's native line end
	for i := range count {
		if err := os.WriteFile(filepath.Join(cur, fmt.Sprintf("%d.M%dP1.bench:2,S", 1700000000+i, i)), msg, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	dv.chown(b)
	runBench(b, dv.addr, "bench", "secret", count, dv.worker)
}

// runBench runs one warm-up session and b.N measured ones. measure returns
// the server's peak RSS and CPU time so far, read while a session is open;
// the CPU reported is what the server spent between login and QUIT.
func runBench(b *testing.B, addr, user, pw string, count int, measure func() (int64, time.Duration)) {
	total := session(b, addr, user, pw, count, nil)
	b.SetBytes(total)
	var cpuStart, cpu time.Duration
	var rss int64
	b.ResetTimer()
	for range b.N {
		session(b, addr, user, pw, count, func(first bool) {
			r, c := measure()
			rss = max(rss, r)
			if first {
				cpuStart = c
			} else {
				cpu += c - cpuStart
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*count)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "server-CPU-ms/op")
}

// session logs in, fetches every message with RETR and quits; it returns
// the message octets received. probe, if set, is called right after login
// (first=true) and before QUIT, while the server's session process lives.
func session(b *testing.B, addr, user, pw string, count int, probe func(first bool)) int64 {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 256<<10)
	w := bufio.NewWriter(c)
	status := func(cmd string) string {
		if cmd != "" {
			w.WriteString(cmd + "\r\n")
			w.Flush()
		}
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "+OK") {
			b.Fatalf("%s: %q %v", cmd, line, err)
		}
		return line
	}
	status("")
	status("USER " + user)
	status("PASS " + pw)
	if probe != nil {
		probe(true)
	}
	var n int
	fmt.Sscanf(status("STAT"), "+OK %d", &n)
	if n != count {
		b.Fatalf("STAT: %d messages, want %d", n, count)
	}
	var total int64
	for i := 1; i <= count; i++ {
		status("RETR " + strconv.Itoa(i))
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				b.Fatalf("RETR %d: %v", i, err)
			}
			if len(line) == 3 && line[0] == '.' {
				break
			}
			total += int64(len(line))
		}
	}
	if probe != nil {
		probe(false)
	}
	status("QUIT")
	return total
}

// peakRSS returns VmHWM of process pid in bytes.
func peakRSS(pid int) int64 {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(l, "VmHWM:"); found {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime returns the user and system CPU time of process pid.
func cpuTime(pid int) time.Duration {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// dovecot is a Dovecot instance for the benchmark.
type dovecot struct {
	dir, addr string
	master    *exec.Cmd
	uid, gid  int
}

// startDovecot writes a throwaway configuration and runs Dovecot in the
// foreground on a free loopback port.
func startDovecot(b *testing.B, dir string) *dovecot {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // Dovecot cannot tell which port it got, so pick one for it
	dv := &dovecot{dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", port), uid: os.Getuid(), gid: os.Getgid()}
	loginUser, internalUser := "dovenull", "dovecot"
	if dv.uid == 0 {
		// Dovecot refuses to give mail to root: use nobody, who must be
		// able to reach the folder.
		dv.uid, dv.gid = 65534, 65534
		os.Chmod(filepath.Dir(dir), 0o711)
		os.Chmod(dir, 0o711)
	} else if u, err := user.Current(); err == nil {
		loginUser, internalUser = u.Username, u.Username
	}
	for _, d := range []string{"run", "state", "home", "mail"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:%[1]s/mail/%%u
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=%[2]d gid=%[3]d home=%[1]s/home/%%u
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = %[4]d
  }
}
service anvil {
  chroot =
}
default_login_user = %[5]s
default_internal_user = %[6]s
`, dir, dv.uid, dv.gid, port, loginUser, internalUser)
	path := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		b.Fatal(err)
	}
	dv.master = exec.Command("dovecot", "-F", "-c", path)
	if err := dv.master.Start(); err != nil {
		b.Skipf("dovecot: %v", err)
	}
	b.Cleanup(func() {
		dv.master.Process.Signal(os.Interrupt)
		dv.master.Wait()
		if b.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			b.Logf("dovecot.log:\n%s", log)
		}
	})
	for range 100 {
		if c, err := net.Dial("tcp", dv.addr); err == nil {
			c.Close()
			return dv
		}
		time.Sleep(50 * time.Millisecond) // an external daemon: nothing to wait on but its port
	}
	log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
	b.Skipf("dovecot did not start:\n%s", log)
	return nil
}

// chown gives the mail folder to the mail user.
func (dv *dovecot) chown(b *testing.B) {
	filepath.WalkDir(filepath.Join(dv.dir, "mail"), func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			os.Lchown(p, dv.uid, dv.gid)
		}
		return nil
	})
	filepath.WalkDir(filepath.Join(dv.dir, "home"), func(p string, _ os.DirEntry, err error) error {
		if err == nil {
			os.Lchown(p, dv.uid, dv.gid)
		}
		return nil
	})
}

// worker measures Dovecot's per-session pop3 process (a child of the
// master): its peak RSS and CPU time.
func (dv *dovecot) worker() (int64, time.Duration) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(comm)) != "pop3" {
			continue
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if strings.Contains(string(status), fmt.Sprintf("\nPPid:\t%d\n", dv.master.Process.Pid)) {
			return peakRSS(pid), cpuTime(pid)
		}
	}
	return 0, 0
}
