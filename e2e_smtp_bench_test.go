package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// BenchmarkSMTPSource is the load run against the real binary, side
// by side with Postfix's smtp-sink (the protocol's limit on this machine):
// smtp-source, 20 sessions, 4 KB messages, fsync on. Run it without the
// race detector, one message per iteration:
//
//	MAILQ_TEST_NORACE=1 go test -run '^$' -bench SMTPSource -benchtime 10000x .
//
// It reports messages per second and the peak RSS of each server.
func BenchmarkSMTPSource(b *testing.B) {
	if os.Getenv("MAILQ_TEST_NORACE") == "" {
		b.Skip("set MAILQ_TEST_NORACE=1: a race-detector binary measures the detector")
	}
	source := testutil.Program(b, "smtp-source")
	sink := testutil.Program(b, "smtp-sink")
	load := func(b *testing.B, addr string, pid int) {
		start := time.Now()
		cmd := exec.Command(source, "-d", "-s", "20", "-m", strconv.Itoa(b.N), "-l", "4096",
			"-f", "a@far.example", "-t", "postmaster@test.example", "-M", "bench.example", addr)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("smtp-source: %v\n%s", err, out)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		b.ReportMetric(float64(procStatus(b, pid, "VmHWM"))/(1<<20), "MB-peak-RSS")
	}
	b.Run("smtp-sink", func(b *testing.B) {
		// smtp-sink cannot take a listener: pick a free port for it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		args := []string{addr, "256"}
		if os.Geteuid() == 0 {
			args = append([]string{"-u", "nobody"}, args...)
		}
		cmd := exec.Command(sink, args...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		testutil.Eventually(b, "smtp-sink listening on "+addr, testutil.Dials(addr))
		load(b, addr, cmd.Process.Pid)
	})
	b.Run("mailq", func(b *testing.B) {
		ini := strings.Replace(testINI, "Timeout=5\n", "Timeout=60\nSMTPThreads=64\n", 1)
		addr, pid := benchStart(b, ini)
		load(b, addr, pid)
	})
}

// BenchmarkSMTPMemory measures mailq's RSS with 64 sessions open in the
// middle of DATA, and how much its peak RSS rises while it receives one 50
// MB message (goals: under 30 MB, under 5 MB):
//
//	MAILQ_TEST_NORACE=1 go test -run '^$' -bench SMTPMemory .
func BenchmarkSMTPMemory(b *testing.B) {
	if os.Getenv("MAILQ_TEST_NORACE") == "" {
		b.Skip("set MAILQ_TEST_NORACE=1: a race-detector binary measures the detector")
	}
	ini := strings.Replace(testINI, "Timeout=5\n", "Timeout=60\nSMTPThreads=64\nSMTPMaxMessageSize=64\n", 1)
	b.Run("64-sessions", func(b *testing.B) {
		addr, pid := benchStart(b, ini)
		for range 64 {
			cc, err := dialCrash(addr)
			if err != nil {
				b.Fatal(err)
			}
			defer cc.c.Close()
			if err := cc.begin(); err != nil {
				b.Fatal(err)
			}
			cc.write(strings.Repeat("x", 998) + "\r\n")
		}
		for range b.N {
			time.Sleep(100 * time.Millisecond) // let the server read what was sent
			b.ReportMetric(float64(procStatus(b, pid, "VmRSS"))/(1<<20), "MB-RSS")
		}
	})
	b.Run("50MB-message", func(b *testing.B) {
		addr, pid := benchStart(b, ini)
		var rise int64
		for range b.N {
			before := procStatus(b, pid, "VmHWM")
			cc, err := dialCrash(addr)
			if err != nil {
				b.Fatal(err)
			}
			if err := cc.begin(); err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriterSize(cc.c, 64<<10)
			w.WriteString("Subject: big\r\n\r\n")
			line := strings.Repeat("y", 998) + "\r\n"
			for n := 0; n < 50<<20; n += len(line) {
				w.WriteString(line)
			}
			w.Flush()
			if _, err := cc.finish(); err != nil {
				b.Fatal(err)
			}
			cc.c.Close()
			rise = max(rise, procStatus(b, pid, "VmHWM")-before)
		}
		b.ReportMetric(float64(rise)/(1<<20), "MB-peak-rise")
	})
}

// benchStart runs the binary on a new tree and returns its address and pid;
// the process is killed when b ends.
func benchStart(b *testing.B, ini string) (string, int) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(binary)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out) // keep the console flowing
			return m[1], cmd.Process.Pid
		}
	}
	b.Fatalf("mailq exited before listening")
	return "", 0
}

// procStatus returns a size field of /proc/PID/status in bytes ("VmHWM",
// the peak resident set, or "VmRSS").
func procStatus(b *testing.B, pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
