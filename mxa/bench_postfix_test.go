//go:build unix

package mxa

import (
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// BenchmarkRelayPostfix is BenchmarkRelaySink's counterpart: a throwaway
// Postfix instance (its own config_directory and queue_directory in a
// temporary folder) relays the same N 4 KB messages to the same smtp-sink.
// The messages are injected with smtp-source while defer_transports holds
// them in the deferred queue; then the hold is lifted and the queue flushed,
// and the time until the sink has counted all of them gives messages per
// second, as BenchmarkRelaySink times external/ to sent/.
//
// Postfix's master must start as root (it binds ports and drops to the
// mail_owner account), so this runs only as root; it never touches the
// system's own Postfix configuration or queue.
func BenchmarkRelayPostfix(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("Postfix's master daemon must be started by root")
	}
	postfix := testutil.Program(b, "postfix")
	source := testutil.Program(b, "smtp-source")
	if _, err := user.Lookup("postfix"); err != nil {
		b.Skip("no postfix account")
	}
	n := envInt("MAILQ_BENCH_N", 5000)
	for b.Loop() {
		b.StopTimer()
		sinkAddr, mesg := countingSink(b)
		smtpd := freeAddr(b)
		dir := postfixInstance(b, postfix, sinkAddr, smtpd)
		pf := func(args ...string) {
			b.Helper()
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				b.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
		conf := filepath.Join(dir, "conf")
		pf(postfix, "-c", conf, "start")
		b.Cleanup(func() { exec.Command(postfix, "-c", conf, "stop").Run() })
		waitListen(b, smtpd)
		t0 := time.Now()
		pf(source, "-s", "20", "-m", strconv.Itoa(n), "-l", "4096", "-f", "bench@origin.test",
			"-t", "rcpt@example.org", smtpd)
		inject := time.Since(t0)
		testutil.Eventually(b, "every message deferred", func() bool { return countFiles(filepath.Join(dir, "queue", "deferred")) >= n })
		pf(filepath.Join(filepath.Dir(postfix), "postconf"), "-c", conf, "-e", "defer_transports=")
		pf(postfix, "-c", conf, "reload")
		b.StartTimer()
		start := time.Now()
		pf(filepath.Join(filepath.Dir(postfix), "postqueue"), "-c", conf, "-f")
		for mesg.Load() < int64(n) {
			// The timed part: checked often, at a fixed interval, so that the
			// wait adds no more than 5 ms to what is measured.
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(n)/inject.Seconds(), "received-msgs/s")
		b.StartTimer()
	}
}

// postfixInstance writes main.cf and master.cf for an instance that listens
// on smtpd and relays everything to relay.
func postfixInstance(b *testing.B, postfix, relay, smtpd string) string {
	b.Helper()
	dir, err := os.MkdirTemp("", "mailq-postfix")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	for _, d := range []string{"conf", "queue", "data"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	u, _ := user.Lookup("postfix")
	uid, _ := strconv.Atoi(u.Uid)
	os.Chown(filepath.Join(dir, "data"), uid, -1)
	main := strings.Join([]string{
		"compatibility_level = 3.6",
		"queue_directory = " + filepath.Join(dir, "queue"),
		"data_directory = " + filepath.Join(dir, "data"),
		"mail_owner = postfix",
		"setgid_group = postdrop",
		"inet_interfaces = 127.0.0.1",
		"inet_protocols = ipv4",
		"myhostname = postfix.test",
		"mydomain = postfix.test",
		"mydestination =",
		"relayhost = [" + strings.Replace(relay, ":", "]:", 1),
		"mynetworks = 127.0.0.0/8",
		"smtpd_relay_restrictions = permit_mynetworks, reject",
		"smtp_dns_support_level = disabled",
		"defer_transports = smtp",
		"maillog_file = " + filepath.Join(dir, "maillog"),
		"maillog_file_prefixes = " + dir,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "conf", "main.cf"), []byte(main), 0o644); err != nil {
		b.Fatal(err)
	}
	master, err := os.ReadFile("/etc/postfix/master.cf")
	if err != nil {
		b.Skipf("no master.cf to start from: %v", err)
	}
	lines := strings.Split(string(master), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "smtp ") && strings.Contains(l, " inet ") {
			lines[i] = smtpd + strings.TrimPrefix(l, "smtp")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "conf", "master.cf"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListen(b *testing.B, addr string) {
	testutil.Eventually(b, "smtpd listening on "+addr, testutil.Dials(addr))
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
