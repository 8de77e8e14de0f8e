package dnsbl

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/resolve"
	"mailq/resolve/dnstest"
)

// testTimeout stands for the 2 s of production: long enough for a loopback
// answer under -race, short enough to keep the tests quick.
const testTimeout = 200 * time.Millisecond

// clock is an injectable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

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

// setup starts a DNS server and a Checker for zones on it.
func setup(t *testing.T, zones []string, opt Options) (*Checker, *dnstest.Server, *clock) {
	t.Helper()
	srv := dnstest.Start(t)
	r, err := resolve.New(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	if opt.Timeout == 0 {
		opt.Timeout = testTimeout
	}
	opt.Now = clk.Now
	c, err := New(zones, r, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, clk
}

var (
	listedV4   = netip.MustParseAddr("192.0.2.10")
	noReasonV4 = netip.MustParseAddr("192.0.2.11")
	cleanV4    = netip.MustParseAddr("192.0.2.12")
	listedV6   = netip.MustParseAddr("2001:db8::10")
)

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct{ ip, want string }{
		{"1.2.3.4", "4.3.2.1.bl.test"},
		{"::ffff:1.2.3.4", "4.3.2.1.bl.test"},
		{"127.0.0.2", "2.0.0.127.bl.test"},
		// RFC 5782 §2.4's example.
		{"2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.test"},
	}
	for _, tc := range tests {
		t.Run(tc.ip, func(t *testing.T) {
			t.Parallel()
			if got := Name(netip.MustParseAddr(tc.ip), "bl.test"); got != tc.want {
				t.Fatalf("Name = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	c, srv, _ := setup(t, []string{"dead.test", "broken.test", "first.test", "second.test"}, Options{})
	srv.Set("dead.test", dnstest.Silent)
	for _, ip := range []netip.Addr{listedV4, noReasonV4, cleanV4, listedV6} {
		srv.Set(Name(ip, "dead.test"), dnstest.Silent)
		srv.Set(Name(ip, "broken.test"), dnstest.ServFail)
	}
	srv.Add(
		Name(listedV4, "first.test")+". 60 IN A 127.0.0.2",
		Name(listedV4, "first.test")+". 60 IN TXT \"Listed\\013\\010see https://first.test/q?192.0.2.10\"",
		Name(listedV4, "second.test")+". 60 IN A 127.0.0.3",
		Name(noReasonV4, "second.test")+". 60 IN A 127.0.0.4",
		Name(listedV6, "second.test")+". 60 IN A 127.0.0.2",
		// Not in 127.0.0.0/8: not a listing (RFC 5782 §2.1).
		Name(cleanV4, "first.test")+". 60 IN A 192.0.2.99",
	)
	skipped := []string{"dead.test: no answer within 200ms", "broken.test: server failure"}
	tests := []struct {
		name string
		ip   netip.Addr
		want Result
	}{
		{"listed with reason", listedV4, Result{IP: listedV4, Listed: true, Zone: "first.test",
			Code: netip.MustParseAddr("127.0.0.2"), Reason: "Listed see https://first.test/q?192.0.2.10", Skipped: skipped}},
		{"listed without reason", noReasonV4, Result{IP: noReasonV4, Listed: true, Zone: "second.test",
			Code: netip.MustParseAddr("127.0.0.4"), Skipped: skipped}},
		{"not listed", cleanV4, Result{IP: cleanV4, Skipped: skipped}},
		{"ipv6", listedV6, Result{IP: listedV6, Listed: true, Zone: "second.test",
			Code: netip.MustParseAddr("127.0.0.2"), Skipped: skipped}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Check(t.Context(), tc.ip)
			if err != nil {
				t.Fatal(err)
			}
			// The first check to time out on dead.test marks it down;
			// the others (in parallel) may find it so.
			for i, s := range got.Skipped {
				if strings.HasPrefix(s, "dead.test: did not answer lately") {
					got.Skipped[i] = skipped[0]
				}
			}
			if !equal(got, tc.want) {
				t.Fatalf("Check = %+v\nwant    %+v", got, tc.want)
			}
		})
	}
	// The first listing ends the check: second.test was not asked.
	if n := srv.Queries(Name(listedV4, "second.test")); n != 0 {
		t.Errorf("second.test asked %d times after first.test listed the address", n)
	}
}

func equal(a, b Result) bool {
	return a.IP == b.IP && a.Listed == b.Listed && a.Zone == b.Zone && a.Code == b.Code &&
		a.Reason == b.Reason && slices.Equal(a.Skipped, b.Skipped)
}

func TestExempt(t *testing.T) {
	t.Parallel()
	c, srv, _ := setup(t, []string{"bl.test"}, Options{Trusted: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::ffff:172.16.0.0/108"),
	}})
	for _, s := range []string{"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "10.1.2.3", "::ffff:10.1.2.3", "172.16.0.9"} {
		ip := netip.MustParseAddr(s)
		srv.Add(Name(ip, "bl.test") + ". 60 IN A 127.0.0.2")
		res, err := c.Check(t.Context(), ip)
		if err != nil || res.Listed || len(res.Skipped) != 0 {
			t.Errorf("Check(%s) = %+v, %v; want not listed", s, res, err)
		}
		if n := srv.Queries(Name(ip, "bl.test")); n != 0 {
			t.Errorf("%s looked up %d times", s, n)
		}
	}
}

func TestRefusalCodesAreNotListings(t *testing.T) {
	t.Parallel()
	c, srv, _ := setup(t, []string{"spamhaus.test", "next.test"}, Options{})
	srv.Add(Name(cleanV4, "spamhaus.test") + ". 60 IN A 127.255.255.254")
	srv.Add(Name(cleanV4, "next.test") + ". 60 IN A 127.0.0.2")
	res, err := c.Check(t.Context(), cleanV4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"spamhaus.test: the list refused the query (127.255.255.254)"}
	if !res.Listed || res.Zone != "next.test" || !slices.Equal(res.Skipped, want) {
		t.Fatalf("Check = %+v", res)
	}
}

func TestTotalTimeLimit(t *testing.T) {
	t.Parallel()
	zones := []string{"a.test", "b.test", "c.test"}
	c, srv, _ := setup(t, zones, Options{Timeout: 150 * time.Millisecond, Total: 250 * time.Millisecond})
	for _, z := range zones {
		srv.Set(Name(cleanV4, z), dnstest.Silent)
	}
	res, err := c.Check(t.Context(), cleanV4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.test: no answer within 150ms", "b.test: no answer before the limit of 250ms for all lists", "c.test: no time left"}
	if !slices.Equal(res.Skipped, want) {
		t.Fatalf("Skipped = %q\nwant      %q", res.Skipped, want)
	}
	if n := srv.Queries(Name(cleanV4, "c.test")); n != 0 {
		t.Fatalf("c.test asked %d times after the total limit", n)
	}
}

func TestCancelledCheck(t *testing.T) {
	t.Parallel()
	c, srv, _ := setup(t, []string{"bl.test"}, Options{Timeout: 5 * time.Second})
	srv.Set(Name(cleanV4, "bl.test"), dnstest.Silent)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	res, err := c.Check(ctx, cleanV4)
	if !errors.Is(err, context.Canceled) || res.Listed {
		t.Fatalf("Check = %+v, %v; want context.Canceled", res, err)
	}
}

func TestCacheHonoursTTL(t *testing.T) {
	t.Parallel()
	c, srv, clk := setup(t, []string{"bl.test"}, Options{MinTTL: time.Second, MaxTTL: time.Hour})
	srv.SetNegTTL(30)
	srv.Add(Name(listedV4, "bl.test")+". 90 IN A 127.0.0.2", Name(listedV4, "bl.test")+". 90 IN TXT \"go away\"")
	tests := []struct {
		ip       netip.Addr
		ttl      time.Duration
		listed   bool
		aQueries int // A and TXT questions per lookup
	}{
		{listedV4, 90 * time.Second, true, 2},
		{cleanV4, 30 * time.Second, false, 1},
	}
	for _, tc := range tests {
		name := Name(tc.ip, "bl.test")
		check := func(wantQueries int) {
			t.Helper()
			res, err := c.Check(t.Context(), tc.ip)
			if err != nil || res.Listed != tc.listed {
				t.Fatalf("Check(%s) = %+v, %v", tc.ip, res, err)
			}
			if tc.listed && res.Reason != "go away" {
				t.Fatalf("cached Reason = %q", res.Reason)
			}
			if n := srv.Queries(name); n != wantQueries {
				t.Fatalf("%s: %d queries, want %d", tc.ip, n, wantQueries)
			}
		}
		check(tc.aQueries)
		clk.Add(tc.ttl - time.Second)
		check(tc.aQueries) // still cached
		clk.Add(time.Second)
		check(2 * tc.aQueries) // expired: asked again
	}
}

func TestTTLClamp(t *testing.T) {
	t.Parallel()
	c, srv, clk := setup(t, []string{"bl.test"}, Options{MinTTL: time.Minute, MaxTTL: 10 * time.Minute})
	srv.Add(Name(listedV4, "bl.test")+". 0 IN A 127.0.0.2", Name(noReasonV4, "bl.test")+". 86400 IN A 127.0.0.2")
	for _, tc := range []struct {
		ip   netip.Addr
		keep time.Duration
	}{{listedV4, time.Minute}, {noReasonV4, 10 * time.Minute}} {
		name := Name(tc.ip, "bl.test")
		_, _ = c.Check(t.Context(), tc.ip)
		before := srv.Queries(name)
		clk.Add(tc.keep - time.Second)
		_, _ = c.Check(t.Context(), tc.ip)
		if srv.Queries(name) != before {
			t.Fatalf("%s: asked again before %v", tc.ip, tc.keep)
		}
		clk.Add(time.Second)
		_, _ = c.Check(t.Context(), tc.ip)
		if srv.Queries(name) == before {
			t.Fatalf("%s: not asked again after %v", tc.ip, tc.keep)
		}
	}
}

func TestFailuresAreNotCached(t *testing.T) {
	t.Parallel()
	c, srv, _ := setup(t, []string{"bl.test"}, Options{})
	name := Name(cleanV4, "bl.test")
	srv.Set(name, dnstest.ServFail)
	for range 2 {
		if res, _ := c.Check(t.Context(), cleanV4); len(res.Skipped) != 1 {
			t.Fatalf("Check = %+v, want bl.test skipped", res)
		}
	}
	if n := srv.Queries(name); n < 2 {
		t.Fatalf("%d queries: a failure was cached", n)
	}
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t, []string{"bl.test"}, Options{CacheSize: 100})
	base := netip.MustParseAddr("198.51.100.0")
	ip := base
	for range 1000 {
		ip = ip.Next()
		if _, err := c.Check(t.Context(), ip); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	n := len(c.cache)
	c.mu.Unlock()
	if n > 100 {
		t.Fatalf("cache holds %d answers, limit 100", n)
	}
}

func TestNewRejectsBadZone(t *testing.T) {
	t.Parallel()
	for _, z := range []string{"", "bad zone", "a..b"} {
		if _, err := New([]string{z}, nil, Options{}); !errors.Is(err, ErrBadZone) {
			t.Errorf("New(%q): %v, want ErrBadZone", z, err)
		}
	}
	c, err := New([]string{" BL.Test. "}, nil, Options{})
	if err != nil || c.zones[0] != "bl.test" {
		t.Fatalf("New normalised the zone to %q, %v", c.zones, err)
	}
}

func BenchmarkCheckCacheHit(b *testing.B) {
	srv := dnstest.Start(b)
	r, err := resolve.New(srv.Addr)
	if err != nil {
		b.Fatal(err)
	}
	c, err := New([]string{"a.test", "b.test"}, r, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Check(ctx, cleanV4); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res, _ := c.Check(ctx, cleanV4); res.Listed || res.Skipped != nil {
			b.Fatal(res)
		}
	}
}

// TestDeadZoneHeldBack: a zone that did not answer in time is not asked
// again for DownFor, so a dead list costs one time-out a minute, not one a
// connection; a zone that answers SERVFAIL is still asked.
func TestDeadZoneHeldBack(t *testing.T) {
	t.Parallel()
	c, srv, clk := setup(t, []string{"dead.test", "broken.test"}, Options{})
	ips := []netip.Addr{netip.MustParseAddr("192.0.2.31"), netip.MustParseAddr("192.0.2.32"), netip.MustParseAddr("192.0.2.33")}
	for _, ip := range ips {
		srv.Set(Name(ip, "dead.test"), dnstest.Silent)
		srv.Set(Name(ip, "broken.test"), dnstest.ServFail)
	}
	res, err := c.Check(t.Context(), ips[0])
	if err != nil || len(res.Skipped) != 2 || !strings.Contains(res.Skipped[0], "no answer within") {
		t.Fatalf("first check: %+v, %v", res, err)
	}
	res, _ = c.Check(t.Context(), ips[1])
	if !strings.HasPrefix(res.Skipped[0], "dead.test: did not answer lately") || res.Skipped[1] != "broken.test: server failure" {
		t.Fatalf("second check: %+v", res.Skipped)
	}
	if n := srv.Queries(Name(ips[1], "dead.test")); n != 0 {
		t.Fatalf("the dead zone was asked %d times while held back", n)
	}
	if n := srv.Queries(Name(ips[1], "broken.test")); n == 0 {
		t.Fatal("a zone answering SERVFAIL was held back")
	}
	clk.Add(DownFor)
	res, _ = c.Check(t.Context(), ips[2])
	if n := srv.Queries(Name(ips[2], "dead.test")); n == 0 || !strings.Contains(res.Skipped[0], "no answer within") {
		t.Fatalf("the zone was not asked again after DownFor: %d queries, %+v", n, res.Skipped)
	}
}
