package slots

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

var (
	ipA  = netip.MustParseAddr("192.0.2.1")
	ipB  = netip.MustParseAddr("192.0.2.2")
	ipC  = netip.MustParseAddr("192.0.2.3")
	ip6a = netip.MustParseAddr("2001:db8:1:2::1")
	ip6b = netip.MustParseAddr("2001:db8:1:2::ffff") // same /64
	ip6c = netip.MustParseAddr("2001:db8:1:3::1")    // another /64
	none netip.Addr
)

func TestReserve(t *testing.T) {
	t.Parallel()
	for size, want := range map[int]int{1: 0, 2: 1, 4: 1, 7: 1, 8: 2, 64: 16} {
		if got := Reserve(size); got != want {
			t.Errorf("Reserve(%d) = %d, want %d", size, got, want)
		}
	}
}

// TestAcquire runs sequences of acquisitions against pools of several
// sizes; "+A" is a slot taken by A, "-A" a refusal, "rA" a release of one
// of A's slots, "!A" an exempt acquisition.
func TestAcquire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		size int
		ips  []netip.Addr
		ops  string // op per step: a, r (release last of that ip), x (exempt)
		want string
	}{
		{"one address cannot take the last slot", 4, []netip.Addr{ipA, ipA, ipA, ipA, ipB, ipC},
			"aaaaaa", "+A +A +A -A +B -C"},
		{"newcomers share the reserve", 8, []netip.Addr{ipA, ipA, ipA, ipA, ipA, ipA, ipA, ipB, ipB, ipC, ipC},
			"aaaaaaaaaaa", "+A +A +A +A +A +A -A +B -B +C -C"},
		{"a single slot goes to whoever comes first", 1, []netip.Addr{ipA, ipB},
			"aa", "+A -B"},
		{"release frees the address", 4, []netip.Addr{ipA, ipA, ipA, ipA, ipA},
			"aaara", "+A +A +A rA +A"},
		{"IPv6 counts by /64", 4, []netip.Addr{ip6a, ip6b, ip6a, ip6b, ip6c},
			"aaaaa", "+6 +6 +6 -6 +C"},
		{"exempt takes any free slot", 4, []netip.Addr{ipA, ipA, ipA, ipA, ipB},
			"xxxxx", "!A !A !A !A -B"},
		{"not TCP is exempt", 2, []netip.Addr{none, none, none}, "aaa", "+? +? -?"},
	}
	name := map[netip.Addr]string{ipA: "A", ipB: "B", ipC: "C", ip6a: "6", ip6b: "6", ip6c: "C", none: "?"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := New(c.size)
			held := map[string][]func(){}
			var got []string
			for i, op := range c.ops {
				ip := c.ips[i]
				n := name[ip]
				switch op {
				case 'r':
					rs := held[n]
					rs[len(rs)-1]()
					rs[len(rs)-1]() // a second call does nothing
					held[n] = rs[:len(rs)-1]
					got = append(got, "r"+n)
				default:
					release, ok := p.Acquire(ip, op == 'x')
					switch {
					case !ok:
						got = append(got, "-"+n)
					case op == 'x':
						got = append(got, "!"+n)
					default:
						got = append(got, "+"+n)
					}
					if ok {
						held[n] = append(held[n], release)
					}
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("got %s, want %s", g, c.want)
			}
		})
	}
}

// TestConcurrent checks the counts under contention: never more than size
// slots at once, and all free again at the end.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	p := New(4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	inUse, most := 0, 0
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ip := netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i%3+1))
			for range 100 {
				release, ok := p.Acquire(ip, false)
				if !ok {
					continue
				}
				mu.Lock()
				inUse++
				most = max(most, inUse)
				mu.Unlock()
				mu.Lock()
				inUse--
				mu.Unlock()
				release()
			}
		}()
	}
	wg.Wait()
	if most > 4 {
		t.Errorf("%d slots in use at once, want at most 4", most)
	}
	if p.used != 0 || len(p.held) != 0 {
		t.Errorf("after all releases: %d used, held %v", p.used, p.held)
	}
}
