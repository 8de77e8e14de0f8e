package policy

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary act as another mailq instance:
// "ban|<path>|<first>|<count>" bans 192.0.2.<first> .. <first+count-1>;
// "record|<path>|<ip>|<unix>" records a POP3 login.
const helperEnv = "MAILQ_POLICY_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := runHelper(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runHelper(mode string) error {
	f := strings.Split(mode, "|")
	switch {
	case f[0] == "ban" && len(f) == 4:
		first, _ := strconv.Atoi(f[2])
		count, _ := strconv.Atoi(f[3])
		b := NewBlockList(f[1], BlockListOptions{By: "POP3"})
		for i := first; i < first+count; i++ {
			if err := b.Ban(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), "helper", time.Now()); err != nil {
				return err
			}
		}
		return nil
	case f[0] == "fail" && len(f) == 4:
		// fail|<path>|<unix>|<count>: count failed logins of one account,
		// each from its own address 10.1.x.y, at one time.
		sec, _ := strconv.ParseInt(f[2], 10, 64)
		count, _ := strconv.Atoi(f[3])
		l := NewLogins(f[1], LoginOptions{PerAccount: 1000, Lock: time.Hour, Now: func() time.Time { return time.Unix(sec, 0) }})
		for i := range count {
			ip := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
			if _, err := l.Failed("alice@example.org", ip, false, true); err != nil {
				return err
			}
		}
		return nil
	case f[0] == "record" && len(f) == 4:
		sec, _ := strconv.ParseInt(f[3], 10, 64)
		return NewTracker(f[1], time.Hour).Record(netip.MustParseAddr(f[2]), time.Unix(sec, 0))
	}
	return fmt.Errorf("bad helper mode %q", mode)
}

// startHelper starts the test binary as a helper process.
func startHelper(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, "|"))
	if os.Getenv("GORACE") == "" {
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestBanConcurrentProcesses bans from two processes and this one at once,
// with overlapping addresses: every address lands exactly once.
func TestBanConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	// Two "instances" ban 1..60 and 31..90; this process bans 61..100.
	cmds := []*exec.Cmd{startHelper(t, "ban", path, "1", "60"), startHelper(t, "ban", path, "31", "60")}
	b := NewBlockList(path, BlockListOptions{By: "SMTP"})
	for i := 61; i <= 100; i++ {
		if err := b.Ban(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), "test", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	var want []string
	for i := 1; i <= 100; i++ {
		want = append(want, fmt.Sprintf("192.0.2.%d", i))
	}
	checkBans(t, path, want)
}

// TestTrackerAcrossProcesses has a POP3 "instance" record a login that this
// process's SMTP-side Tracker then allows.
func TestTrackerAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	smtp := NewTracker(path, time.Hour)
	ip := netip.MustParseAddr("192.0.2.33")
	now := time.Unix(1_750_000_000, 0)
	if smtp.Allowed(ip, now) {
		t.Fatal("allowed before any login")
	}
	if err := startHelper(t, "record", path, ip.String(), fmt.Sprint(now.Unix())).Wait(); err != nil {
		t.Fatal(err)
	}
	if !smtp.Allowed(ip, now.Add(time.Minute)) {
		t.Fatal("not allowed after the other process recorded a login")
	}
}

// TestLoginsConcurrentProcesses counts failed logins of one account from
// two helper processes (the other instance) and this one at once: none is
// lost, so the account lock sees every guess whichever instance took it.
func TestLoginsConcurrentProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "failedlogins.txt")
	now := time.Unix(1_750_000_000, 0)
	cmds := []*exec.Cmd{startHelper(t, "fail", path, fmt.Sprint(now.Unix()), "40"), startHelper(t, "fail", path, fmt.Sprint(now.Unix()), "40")}
	l := NewLogins(path, LoginOptions{PerAccount: 1000, Lock: time.Hour, Now: func() time.Time { return now }})
	for i := range 40 {
		if _, err := l.Failed("alice@example.org", netip.AddrFrom4([4]byte{10, 2, 0, byte(i)}), false, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	c, err := l.Failed("alice@example.org", netip.MustParseAddr("10.3.0.1"), false, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Account != 121 {
		t.Fatalf("account count %d after 120 failures in three processes and one more, want 121", c.Account)
	}
}
