package policy

import (
	"fmt"
	"mailq/internal/osfile"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is an injectable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readText(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

const sampleList = `# ipblock.txt
192.0.2.1
198.51.100.0/24   # a whole network
2001:db8:bad::/48
not-an-address
192.0.2.9 trailing words

10.0.0.1#tight comment
`

func TestBlocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	writeFile(t, path, sampleList)
	for _, cache := range []bool{true, false} {
		b := NewBlockList(path, BlockListOptions{Cache: cache})
		tests := []struct {
			ip   string
			line string // "" when not blocked
		}{
			{"192.0.2.1", "192.0.2.1"},
			{"::ffff:192.0.2.1", "192.0.2.1"},
			{"192.0.2.2", ""},
			{"198.51.100.77", "198.51.100.0/24   # a whole network"},
			{"2001:db8:bad:1::5", "2001:db8:bad::/48"},
			{"2001:db8:bad0::5", ""},
			{"10.0.0.1", "10.0.0.1#tight comment"},
			{"192.0.2.9", ""}, // its line is bad, so it blocks nothing
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("cache=%v/%s", cache, tc.ip), func(t *testing.T) {
				blocked, line := b.Blocked(netip.MustParseAddr(tc.ip))
				if blocked != (tc.line != "") || line != tc.line {
					t.Fatalf("Blocked = %v, %q; want %q", blocked, line, tc.line)
				}
			})
		}
		if b.Len() != 4 {
			t.Errorf("Len = %d, want 4", b.Len())
		}
	}
}

func TestProblemsWarnOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	writeFile(t, path, sampleList)
	var warned []string
	var mu sync.Mutex
	b := NewBlockList(path, BlockListOptions{Warn: func(p string) {
		mu.Lock()
		defer mu.Unlock()
		warned = append(warned, p)
	}})
	want := []string{
		`ipblock.txt:5: "not-an-address": not an IP address or CIDR range`,
		`ipblock.txt:6: "192.0.2.9 trailing words": text after the address (start comments with #)`,
	}
	for range 3 { // read on every check, warned once
		if got := b.Problems(); !slices.Equal(got, want) {
			t.Fatalf("Problems = %q\nwant %q", got, want)
		}
		b.Blocked(netip.MustParseAddr("192.0.2.1"))
	}
	writeFile(t, path, sampleList+"also bad\n")
	b.Blocked(netip.MustParseAddr("192.0.2.1"))
	want = append(want, `ipblock.txt:9: "also bad": not an IP address or CIDR range`)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(warned, want) {
		t.Fatalf("warned %q\nwant %q", warned, want)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	b := NewBlockList(path, BlockListOptions{Cache: true})
	if blocked, _ := b.Blocked(netip.MustParseAddr("192.0.2.1")); blocked || len(b.Problems()) != 0 {
		t.Fatalf("missing file: blocked %v, problems %q", blocked, b.Problems())
	}
}

func TestCachedListReloads(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	clk := newClock()
	cached := NewBlockList(path, BlockListOptions{Cache: true, Now: clk.Now})
	uncached := NewBlockList(path, BlockListOptions{Now: clk.Now})
	ip := netip.MustParseAddr("192.0.2.50")
	check := func(b *BlockList, want bool, when string) {
		t.Helper()
		if got, _ := b.Blocked(ip); got != want {
			t.Fatalf("%s: Blocked = %v, want %v", when, got, want)
		}
	}
	check(cached, false, "no file")

	// Created: the cached list looks again only after a second.
	writeFile(t, path, "192.0.2.50\n")
	check(uncached, true, "uncached, file created")
	check(cached, false, "cached, within the second")
	clk.Add(time.Second)
	check(cached, true, "cached, a second later")

	// Rewritten in place (same inode): noticed by size and time.
	writeFile(t, path, "# 192.0.2.50 was here\n")
	clk.Add(time.Second)
	check(cached, false, "cached, rewritten in place")

	// Replaced by rename with the same size: noticed by identity.
	tmp := path + ".new"
	writeFile(t, tmp, "192.0.2.50            \n")
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	check(cached, true, "cached, replaced")

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Second)
	check(cached, false, "cached, removed")
}

func TestBan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "ipblock.txt")
	clk := newClock()
	b := NewBlockList(path, BlockListOptions{Cache: true, By: "POP3", Now: clk.Now})
	ip := netip.MustParseAddr("::ffff:203.0.113.5")
	if blocked, _ := b.Blocked(ip); blocked {
		t.Fatal("blocked before the ban")
	}
	if err := b.Ban(ip, "5 failed\r\nlogins", clk.Now()); err != nil {
		t.Fatal(err)
	}
	want := "203.0.113.5  # banned 2025-01-02T03:04:05Z by POP3: 5 failed logins" + osfile.EOL
	if got := readText(t, path); got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	// Seen at once, without waiting for the stat interval.
	if blocked, line := b.Blocked(ip); !blocked || line != strings.TrimSpace(want) {
		t.Fatalf("after ban: Blocked = %v, %q", blocked, line)
	}
	// A second ban of the same address, or of one a range covers, writes
	// nothing.
	writeFile(t, path, readText(t, path)+"198.51.100.0/24")
	for _, again := range []string{"203.0.113.5", "198.51.100.9"} {
		before := readText(t, path)
		if err := b.Ban(netip.MustParseAddr(again), "again", clk.Now()); err != nil {
			t.Fatal(err)
		}
		if after := readText(t, path); after != before {
			t.Fatalf("ban of %s changed the file:\n%q\n%q", again, before, after)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".ipblock.txt.*")); len(left) != 0 {
		t.Fatalf("temporary files left: %q", left)
	}
}

// TestBanIPv6Prefix: an IPv6 address is banned with its /64, which the
// limits count as one client; the next address of the /64 is refused, an
// address of another /64 is not.
func TestBanIPv6Prefix(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	clk := newClock()
	b := NewBlockList(path, BlockListOptions{Cache: true, By: "SMTP", Now: clk.Now})
	if err := b.Ban(netip.MustParseAddr("2001:db8:10:1:aaaa::5"), "x", clk.Now()); err != nil {
		t.Fatal(err)
	}
	want := "2001:db8:10:1::/64  # banned 2025-01-02T03:04:05Z by SMTP: x" + osfile.EOL
	if got := readText(t, path); got != want {
		t.Fatalf("file = %q, want %q", got, want)
	}
	for ip, blocked := range map[string]bool{"2001:db8:10:1::1": true, "2001:db8:10:1:ffff:ffff:ffff:ffff": true, "2001:db8:10:2::1": false} {
		if got, _ := b.Blocked(netip.MustParseAddr(ip)); got != blocked {
			t.Errorf("Blocked(%s) = %v, want %v", ip, got, blocked)
		}
	}
	// A second address of the /64 is covered: nothing is written.
	if err := b.Ban(netip.MustParseAddr("2001:db8:10:1::9"), "x", clk.Now()); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, path); got != want {
		t.Fatalf("second ban in the /64 changed the file: %q", got)
	}
}

func TestBanKeepsFileStyle(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, before, want string }{
		{"crlf, no final newline", "# list\r\n192.0.2.1", "# list\r\n192.0.2.1\r\n192.0.2.2  # banned 2025-01-02T03:04:05Z by SMTP: x\r\n"},
		{"lf", "192.0.2.1\n", "192.0.2.1\n192.0.2.2  # banned 2025-01-02T03:04:05Z by SMTP: x\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ipblock.txt")
			writeFile(t, path, tc.before)
			b := NewBlockList(path, BlockListOptions{By: "SMTP"})
			if err := b.Ban(netip.MustParseAddr("192.0.2.2"), "x", newClock().Now()); err != nil {
				t.Fatal(err)
			}
			if got := readText(t, path); got != tc.want {
				t.Fatalf("file = %q\nwant   %q", got, tc.want)
			}
		})
	}
}

// checkBans checks that the file holds each of want exactly once, every line
// well formed.
func checkBans(t *testing.T, path string, want []string) {
	t.Helper()
	count := map[string]int{}
	for i, line := range strings.Split(strings.TrimSuffix(readText(t, path), osfile.EOL), osfile.EOL) {
		p, ok, err := parseLine(line)
		if err != nil || !ok || !strings.Contains(line, "  # banned ") {
			t.Fatalf("line %d %q: %v", i+1, line, err)
		}
		count[p.Addr().String()]++
	}
	for _, ip := range want {
		if count[ip] != 1 {
			t.Errorf("%s banned %d times", ip, count[ip])
		}
	}
	if len(count) != len(want) {
		t.Errorf("%d addresses in the file, want %d", len(count), len(want))
	}
}

func TestBanConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	const n = 40
	var want []string
	var wg sync.WaitGroup
	for i := range n {
		ip := netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
		want = append(want, ip.String())
		for range 2 { // each address twice, from two BlockLists
			wg.Go(func() {
				b := NewBlockList(path, BlockListOptions{By: "SMTP"})
				if err := b.Ban(ip, "test", time.Now()); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	checkBans(t, path, want)
}

func BenchmarkBlocked(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ipblock.txt")
	var sb strings.Builder
	for i := range 10000 {
		if i%100 == 0 {
			fmt.Fprintf(&sb, "10.%d.%d.0/24  # range\n", i/256%256, i%256)
		} else {
			fmt.Fprintf(&sb, "203.%d.%d.%d\n", i/65536%256, i/256%256, i%256)
		}
	}
	writeFile(b, path, sb.String())
	bl := NewBlockList(path, BlockListOptions{Cache: true})
	if bl.Len() != 10000 {
		b.Fatalf("Len = %d", bl.Len())
	}
	hit, miss := netip.MustParseAddr("203.0.1.1"), netip.MustParseAddr("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := bl.Blocked(hit); !ok {
			b.Fatal("hit not blocked")
		}
		if ok, _ := bl.Blocked(miss); ok {
			b.Fatal("miss blocked")
		}
	}
}
