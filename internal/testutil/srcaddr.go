package testutil

import (
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// SourceAddr adds ip (an IPv4 address of a documentation range given to
// the test) to the loopback interface, so that a client can connect from
// it and the server sees an outside address, and removes it when the test
// ends. It needs Linux, ip(8) and root; without them the test is skipped,
// or fails under MAILQ_REQUIRE_CLIENTS=1.
func SourceAddr(t testing.TB, ip string) {
	t.Helper()
	skip := func(why string) {
		t.Helper()
		if RequireClients() {
			t.Fatalf("cannot add %s to the loopback interface: %s (MAILQ_REQUIRE_CLIENTS=1)", ip, why)
		}
		t.Skipf("cannot add %s to the loopback interface: %s", ip, why)
	}
	if runtime.GOOS != "linux" {
		skip("not Linux")
	}
	ipCmd, err := exec.LookPath("ip")
	if err != nil {
		for _, p := range []string{"/usr/sbin/ip", "/sbin/ip"} {
			if _, e := exec.LookPath(p); e == nil {
				ipCmd, err = p, nil
			}
		}
	}
	if err != nil {
		skip("ip(8) is not installed")
	}
	// Not root: sudo without a password, as CI may have it.
	run := func(args ...string) *exec.Cmd {
		if os.Geteuid() != 0 {
			return exec.Command("sudo", append([]string{"-n", ipCmd}, args...)...)
		}
		return exec.Command(ipCmd, args...)
	}
	out, err := run("addr", "add", ip+"/32", "dev", "lo").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "File exists") {
		skip(strings.TrimSpace(string(out)) + " (root or sudo is needed)")
	}
	t.Cleanup(func() {
		if out, err := run("addr", "del", ip+"/32", "dev", "lo").CombinedOutput(); err != nil {
			t.Errorf("removing %s from the loopback interface: %v: %s", ip, err, out)
		}
	})
}

// DialFrom connects to addr from the local address ip; the test's cleanup
// closes the connection.
func DialFrom(t testing.TB, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connecting from %s to %s: %v", ip, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
