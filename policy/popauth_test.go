package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTracker(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	pop := NewTracker(path, 30*time.Minute)  // the POP3 instance: writes
	smtp := NewTracker(path, 30*time.Minute) // the SMTP instance: reads
	t0 := time.Unix(1_750_000_000, 0)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::2")

	if err := pop.Record(netip.MustParseAddr("::ffff:192.0.2.1"), t0); err != nil {
		t.Fatal(err)
	}
	if err := pop.Record(b, t0.Add(20*time.Minute)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ip   netip.Addr
		at   time.Duration
		want bool
	}{
		{"just after login", a, time.Second, true},
		{"mapped form", netip.MustParseAddr("::ffff:192.0.2.1"), time.Second, true},
		{"end of window", a, 30*time.Minute - time.Second, true},
		{"expired", a, 30 * time.Minute, false},
		{"other address", netip.MustParseAddr("192.0.2.3"), time.Second, false},
		{"ipv6", b, 49 * time.Minute, true},
		{"login a little in the future", b, 19*time.Minute + 30*time.Second, true},
		{"login far in the future", b, 0, false},
	}
	for _, tc := range tests {
		if got := smtp.Allowed(tc.ip, t0.Add(tc.at)); got != tc.want {
			t.Errorf("%s: Allowed = %v, want %v", tc.name, got, tc.want)
		}
	}

	// A later login prunes the expired entry of a from the file.
	if err := pop.Record(netip.MustParseAddr("192.0.2.3"), t0.Add(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := trackerHeader + "192.0.2.3 1750002400\n2001:db8::2 1750001200\n"
	if string(data) != want {
		t.Fatalf("file = %q\nwant   %q", data, want)
	}
	if !smtp.Allowed(netip.MustParseAddr("192.0.2.3"), t0.Add(41*time.Minute)) {
		t.Fatal("reader missed the rewritten file")
	}
}

func TestTrackerRefresh(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	pop := NewTracker(path, time.Hour)
	ip := netip.MustParseAddr("192.0.2.1")
	t0 := time.Unix(1_750_000_000, 0)
	if err := pop.Record(ip, t0); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	// A client polling every 30 s does not rewrite the file each time.
	if err := pop.Record(ip, t0.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); !os.SameFile(before, after) {
		t.Fatal("file rewritten for a login within the refresh interval")
	}
	if err := pop.Record(ip, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(path); os.SameFile(before, after) {
		t.Fatal("file not rewritten after the refresh interval")
	}
}

func TestTrackerOff(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	tr := NewTracker(path, 0)
	ip := netip.MustParseAddr("192.0.2.1")
	if err := tr.Record(ip, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file written with POP-before-SMTP off: %v", err)
	}
	writeFile(t, path, "192.0.2.1 "+strings.Repeat("9", 10)+"\n")
	if tr.Allowed(ip, time.Now()) {
		t.Fatal("allowed with POP-before-SMTP off")
	}
}

func TestTrackerIgnoresDamage(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	now := time.Unix(1_750_000_000, 0)
	writeFile(t, path, "# comment\ngarbage\n192.0.2.1 x\n192.0.2.2 1750000000\n192.0.2.3 1 2\n")
	tr := NewTracker(path, time.Hour)
	for ip, want := range map[string]bool{"192.0.2.1": false, "192.0.2.2": true, "192.0.2.3": false} {
		if got := tr.Allowed(netip.MustParseAddr(ip), now); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestTrackerConcurrentRecords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "popbeforesmtp.txt")
	pop, smtp := NewTracker(path, time.Hour), NewTracker(path, time.Hour)
	now := time.Unix(1_750_000_000, 0)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if err := pop.Record(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), now); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() { smtp.Allowed(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), now) })
	}
	wg.Wait()
	for i := range 30 {
		if !smtp.Allowed(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), now) {
			t.Errorf("192.0.2.%d lost", i)
		}
	}
}
