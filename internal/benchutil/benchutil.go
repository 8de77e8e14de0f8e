// Package benchutil holds what the benchmark tools (tools/capturebench,
// tools/mqbench) share: free loopback ports, starting a server and waiting
// until it answers, stopping it by its PID, memory figures from /proc, test
// messages and medians, and a private Postfix (postfix.go), which mailtest's
// tests use too. mailq itself never imports it.
package benchutil

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// FreePort returns a loopback address whose port was free a moment ago, for
// servers that cannot be given port 0 (their configuration names it).
func FreePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// StartAndDial starts cmd and waits until addr accepts a connection; on
// failure the process is killed and its output returned in the error.
func StartAndDial(cmd *exec.Cmd, addr string) error {
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := Dial(addr, 30*time.Second); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("%s did not listen on %s:\n%s", cmd.Path, addr, out.String())
	}
	return nil
}

// Dial waits up to limit until addr accepts a connection.
func Dial(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends a server by its PID (SIGTERM, SIGKILL after 20 s) and waits.
func Stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// PeakRSS is the process's VmHWM (Linux), in bytes; 0 without /proc.
func PeakRSS(pid int) int64 { return procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM:") }

// procField reads a "Name: N kB" line of a /proc file, in bytes.
func procField(path, field string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			fmt.Sscan(rest, &kb)
			return kb << 10
		}
	}
	return 0
}

// CountEML counts the *.eml files directly in dir (0 if it is missing).
func CountEML(dir string) (int, error) { return CountFiles(dir, ".eml") }

// CountFiles counts the names in dir that end in suffix and do not start
// with "~" or "." (temporary names).
func CountFiles(dir, suffix string) (int, error) {
	d, err := os.Open(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	k := 0
	for _, n := range names {
		if strings.HasSuffix(n, suffix) && !strings.HasPrefix(n, "~") && !strings.HasPrefix(n, ".") {
			k++
		}
	}
	return k, err
}

// MakeBody is a message of about size bytes (header and lines of text),
// addressed to to.
func MakeBody(size int, to string) []byte {
	var b bytes.Buffer
	b.WriteString("From: load@sender.example\r\nTo: " + to + "\r\nSubject: benchmark\r\n\r\n")
	line := "The quick brown fox jumps over the lazy dog; 0123456789 abcdefghij.\r\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// Median of v (the upper one of an even count); 0 for none.
func Median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
