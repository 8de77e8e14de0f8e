package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var (
	remote   = netip.MustParseAddr("203.0.113.7")
	remote2  = netip.MustParseAddr("203.0.113.8")
	lanHost  = netip.MustParseAddr("192.168.1.20")
	loopback = netip.MustParseAddr("127.0.0.1")
)

func lanTrusted() *Trusted {
	return NewTrusted([]netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")})
}

func TestConnectionLimit(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{MaxConnections: 2, Trusted: lanTrusted()})
	r1, ok1 := l.Acquire(remote)
	r2, ok2 := l.Acquire(netip.MustParseAddr("::ffff:203.0.113.7"))
	_, ok3 := l.Acquire(remote)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("Acquire x3 = %v %v %v; want true true false", ok1, ok2, ok3)
	}
	if _, ok := l.Acquire(remote2); !ok {
		t.Fatal("another address refused")
	}
	for _, ip := range []netip.Addr{loopback, netip.MustParseAddr("::1"), lanHost} {
		for range 5 {
			if _, ok := l.Acquire(ip); !ok {
				t.Fatalf("exempt %s refused", ip)
			}
		}
	}
	r1()
	r1() // a second release does nothing
	if _, ok := l.Acquire(remote); !ok {
		t.Fatal("refused after a release")
	}
	if _, ok := l.Acquire(remote); ok {
		t.Fatal("a double release freed two slots")
	}
	r2()
}

func TestConnectionLimitReleaseForgets(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{MaxConnections: 1})
	for range 100 {
		release, ok := l.Acquire(remote)
		if !ok {
			t.Fatal("refused")
		}
		release()
	}
	if n := len(l.ips); n != 0 {
		t.Fatalf("%d addresses remembered after every connection ended", n)
	}
}

func TestLimitLocal(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{MaxConnections: 1, MaxMessagesPerHour: 1, Trusted: lanTrusted(), LimitLocal: true})
	now := time.Unix(1_750_000_000, 0)
	for _, ip := range []netip.Addr{loopback, lanHost} {
		if _, ok := l.Acquire(ip); !ok {
			t.Fatal("first connection refused")
		}
		if _, ok := l.Acquire(ip); ok {
			t.Fatalf("%s exempt despite LimitLocal", ip)
		}
		if !l.AllowMessage(ip, now) || l.AllowMessage(ip, now) {
			t.Fatalf("%s: message limit not applied despite LimitLocal", ip)
		}
	}
}

func TestMessageLimit(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{MaxMessagesPerHour: 3, Trusted: lanTrusted()})
	t0 := time.Unix(1_750_000_000, 0).Truncate(time.Minute)
	for i := range 3 {
		now := t0.Add(time.Duration(i) * 10 * time.Minute)
		if !l.MessageAllowed(remote, now) || !l.AllowMessage(remote, now) {
			t.Fatalf("message %d refused", i+1)
		}
	}
	at := t0.Add(30 * time.Minute)
	if l.MessageAllowed(remote, at) || l.AllowMessage(remote, at) {
		t.Fatal("fourth message within the hour allowed")
	}
	if !l.AllowMessage(remote2, at) {
		t.Fatal("another address limited")
	}
	for range 1000 {
		if !l.AllowMessage(lanHost, at) || !l.AllowMessage(loopback, at) {
			t.Fatal("exempt address limited")
		}
	}
	// The window slides: the first message leaves it an hour later.
	if l.AllowMessage(remote, t0.Add(59*time.Minute)) {
		t.Fatal("allowed before the first message left the window")
	}
	if !l.AllowMessage(remote, t0.Add(60*time.Minute)) {
		t.Fatal("refused after the first message left the window")
	}
	if l.AllowMessage(remote, t0.Add(60*time.Minute)) {
		t.Fatal("refused message was counted or window miscounted")
	}
	// Long after, everything is forgotten.
	if !l.AllowMessage(remote, t0.Add(10*time.Hour)) {
		t.Fatal("refused hours later")
	}
}

func TestHarvestBlock(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{Trusted: lanTrusted()})
	now := time.Unix(1_750_000_000, 0)
	unknown := Counter{Limit: 3}
	for i := range 3 {
		if reached := unknown.Add(); reached != (i == 2) {
			t.Fatalf("unknown recipient %d: reached = %v", i+1, reached)
		}
	}
	l.BlockFor(remote, HarvestBlock, now)
	l.BlockFor(lanHost, HarvestBlock, now)
	if !l.Blocked(remote, now.Add(59*time.Minute)) {
		t.Fatal("not blocked within the hour")
	}
	if !l.Blocked(netip.MustParseAddr("::ffff:203.0.113.7"), now) {
		t.Fatal("mapped form not blocked")
	}
	if l.Blocked(remote, now.Add(time.Hour)) {
		t.Fatal("still blocked after the hour")
	}
	if l.Blocked(lanHost, now) || l.Blocked(remote2, now) {
		t.Fatal("blocked an exempt or another address")
	}
	// A shorter block never shortens a longer one.
	l.BlockFor(remote, time.Hour, now)
	l.BlockFor(remote, time.Minute, now)
	if !l.Blocked(remote, now.Add(30*time.Minute)) {
		t.Fatal("a shorter block shortened the longer one")
	}
}

func TestLimiterMemoryBounded(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{MaxMessagesPerHour: 10, MaxTracked: 100})
	now := time.Unix(1_750_000_000, 0)
	ip := netip.MustParseAddr("198.51.100.0")
	for range 1000 {
		ip = ip.Next()
		l.AllowMessage(ip, now)
	}
	if n := len(l.ips); n > 100 {
		t.Fatalf("%d addresses remembered, limit 100", n)
	}
	// An hour later the sweep forgets them all.
	l.AllowMessage(remote, now.Add(time.Hour+time.Minute))
	if n := len(l.ips); n != 1 {
		t.Fatalf("%d addresses remembered after the sweep, want 1", n)
	}
}

func TestZeroLimitsAllowEverything(t *testing.T) {
	t.Parallel()
	l := NewLimiter(LimitOptions{})
	now := time.Now()
	for range 1000 {
		if _, ok := l.Acquire(remote); !ok || !l.AllowMessage(remote, now) {
			t.Fatal("limited without limits")
		}
	}
	if len(l.ips) != 0 {
		t.Fatal("remembered addresses without limits")
	}
	var c Counter
	for range 1000 {
		if c.Add() {
			t.Fatal("zero Counter reached its limit")
		}
	}
	if c.Count() != 1000 {
		t.Fatalf("Count = %d", c.Count())
	}
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ipblock.txt")
	now := time.Now()
	old := now.Add(-time.Hour)
	for name, mtime := range map[string]time.Time{
		".ipblock.txt.123.tmp":       old, // left by a crash: removed
		".ipblock.txt.456.tmp":       now, // being written right now: kept
		".popbeforesmtp.txt.789.tmp": old, // another file's: kept
		"ipblock.txt":                old,
		".ipblock.txt.lock":          old,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	got := CleanTemp(path, 10*time.Minute, now)
	if len(got) != 1 || filepath.Base(got[0]) != ".ipblock.txt.123.tmp" {
		t.Fatalf("removed %v, want only the old temporary file", got)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if len(left) != 4 {
		t.Fatalf("left %v", left)
	}
}

// TestLimitsIPv6By64: the addresses of one IPv6 /64 share their limits.
func TestLimitsIPv6By64(t *testing.T) {
	l := NewLimiter(LimitOptions{MaxConnections: 2, MaxMessagesPerHour: 1})
	a, b, other := netip.MustParseAddr("2001:db8:1:2::1"), netip.MustParseAddr("2001:db8:1:2:ffff::9"), netip.MustParseAddr("2001:db8:1:3::1")
	if _, ok := l.Acquire(a); !ok {
		t.Fatal("first connection refused")
	}
	if _, ok := l.Acquire(b); !ok {
		t.Fatal("second connection refused")
	}
	if _, ok := l.Acquire(a.Next()); ok {
		t.Fatal("a third address of the same /64 was not counted with the others")
	}
	if _, ok := l.Acquire(other); !ok {
		t.Fatal("another /64 was refused")
	}
	now := time.Now()
	if !l.AllowMessage(a, now) || l.AllowMessage(b, now) || !l.AllowMessage(other, now) {
		t.Fatal("messages are not counted per /64")
	}
	l.BlockFor(a, time.Hour, now)
	if !l.Blocked(b, now) || l.Blocked(other, now) {
		t.Fatal("BlockFor does not cover the /64")
	}
}
