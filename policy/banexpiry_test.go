package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBanExpiry: automatic bans end AutoBanMinutes after their time, and
// the first of the two instances to notice removes them from the file, once;
// hand-written lines stay whatever their comments say.
func TestBanExpiry(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	hand := "198.51.100.0/24  # banned by hand, long ago\r\n203.0.113.9\r\n"
	if err := os.WriteFile(path, []byte(hand), 0o644); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(d time.Duration) { mu.Lock(); now = t0.Add(d); mu.Unlock() }
	var expired []string
	newList := func(by string) *BlockList {
		return NewBlockList(path, BlockListOptions{Cache: true, By: by, Now: clock, Expire: time.Hour,
			Expired: func(line string) { mu.Lock(); expired = append(expired, line); mu.Unlock() }})
	}
	smtp, pop := newList("SMTP"), newList("POP3")
	first, second := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8:1:2::5")
	if err := smtp.Ban(first, "5 failed logins", t0); err != nil {
		t.Fatal(err)
	}
	if err := pop.Ban(second, "5 failed logins", t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	blocked := func(l *BlockList, ip string) bool {
		b, _ := l.Blocked(netip.MustParseAddr(ip))
		return b
	}
	set(59 * time.Minute)
	if !blocked(smtp, "192.0.2.1") || !blocked(pop, "2001:db8:1:2::77") {
		t.Fatal("a ban ended early")
	}
	set(61*time.Minute + 2*statInterval)
	if blocked(smtp, "192.0.2.1") || blocked(pop, "192.0.2.1") {
		t.Fatal("the first ban did not end after an hour")
	}
	if !blocked(pop, "2001:db8:1:2::77") || !blocked(smtp, "198.51.100.7") || !blocked(pop, "203.0.113.9") {
		t.Fatal("the later ban or a hand-written line was lifted")
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "192.0.2.1") || !strings.HasPrefix(string(data), hand) {
		t.Fatalf("file after the first ban ended:\n%s", data)
	}
	mu.Lock()
	got := slices.Clone(expired)
	mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "192.0.2.1  # banned 2026-12-04T10:00:00Z by SMTP") {
		t.Fatalf("reported as ended: %q, want the first ban once", got)
	}
	set(91*time.Minute + 2*statInterval)
	if blocked(smtp, "2001:db8:1:2::77") {
		t.Fatal("the second ban did not end")
	}
	if data, _ := os.ReadFile(path); string(data) != hand {
		t.Fatalf("file after both ended:\n%s\nwant only the hand-written lines:\n%s", data, hand)
	}
}

// TestBanNoExpiry: without AutoBanMinutes a ban stays.
func TestBanNoExpiry(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	later := t0.Add(365 * 24 * time.Hour)
	l := NewBlockList(path, BlockListOptions{Now: func() time.Time { return later }})
	if err := l.Ban(netip.MustParseAddr("192.0.2.1"), "x", t0); err != nil {
		t.Fatal(err)
	}
	if b, _ := l.Blocked(netip.MustParseAddr("192.0.2.1")); !b {
		t.Fatal("a ban ended without AutoBanMinutes")
	}
}

// TestUnban lifts automatic bans covering an address and leaves
// hand-written lines, naming them.
func TestUnban(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ipblock.txt")
	if err := os.WriteFile(path, []byte("# my list\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	l := NewBlockList(path, BlockListOptions{Now: func() time.Time { return t0 }, Expire: 2 * time.Hour})
	for _, ip := range []string{"2001:db8:1:2::5", "192.0.2.1"} {
		if err := l.Ban(netip.MustParseAddr(ip), "x", t0); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("2001:db8::/32\n") // the administrator adds a range
	f.Close()
	bans := l.Bans()
	if len(bans) != 3 || !bans[2].Banned.IsZero() || !bans[0].Expires.Equal(t0.Add(2*time.Hour)) ||
		bans[0].Prefix.String() != "2001:db8:1:2::/64" {
		t.Fatalf("Bans() = %+v", bans)
	}
	removed, hand, err := l.Unban(netip.MustParseAddr("2001:db8:1:2::99"))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || !strings.HasPrefix(removed[0], "2001:db8:1:2::/64") || !slices.Equal(hand, []string{"2001:db8::/32"}) {
		t.Fatalf("Unban: removed %q, hand-written %q", removed, hand)
	}
	if b, _ := l.Blocked(netip.MustParseAddr("192.0.2.1")); !b {
		t.Fatal("Unban of another address lifted 192.0.2.1")
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "2001:db8:1:2::/64") || !strings.HasPrefix(string(data), "# my list\n192.0.2.1  # banned") ||
		!strings.HasSuffix(string(data), "\n2001:db8::/32\n") {
		t.Fatalf("file after Unban:\n%s", data)
	}
	if removed, _, _ := l.Unban(netip.MustParseAddr("192.0.2.200")); len(removed) != 0 {
		t.Fatalf("Unban of an address not banned removed %q", removed)
	}
}
