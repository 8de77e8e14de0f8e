package resolve

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve/dnstest"
)

func TestLookupMX(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t,
		"multi.test. 60 IN MX 20 c.multi.test.",
		"multi.test. 60 IN MX 10 B.multi.test.",
		"multi.test. 60 IN MX 30 d.multi.test.",
		"multi.test. 60 IN MX 10 a.multi.test.",
		"multi.test. 60 IN MX 10 a.multi.test.", // a duplicate
		"null.test. 60 IN MX 0 .",
		"mixed.test. 60 IN MX 0 .",
		"mixed.test. 60 IN MX 10 mx.mixed.test.",
		"nomx.test. 60 IN A 192.0.2.1",
		"big.test. 60 IN MX 10 mx.big.test.",
	)
	srv.Set("broken.test", dnstest.ServFail)
	srv.Set("big.test", dnstest.Truncate)
	tests := []struct {
		name      string
		want      []MX // with equal preferences in any order
		kind      error
		temporary bool
	}{
		{name: "multi.test", want: []MX{{"a.multi.test", 10}, {"b.multi.test", 10}, {"c.multi.test", 20}, {"d.multi.test", 30}}},
		{name: "mixed.test", want: []MX{{"mx.mixed.test", 10}}},
		{name: "big.test", want: []MX{{"mx.big.test", 10}}}, // over TCP
		{name: "null.test", kind: ErrNullMX},
		{name: "nomx.test", kind: ErrNoMX},
		{name: "nowhere.test", kind: ErrNXDomain},
		{name: "broken.test", kind: ErrServerFailure, temporary: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.LookupMX(ctxFor(t, time.Second), tc.name)
			if tc.kind != nil {
				var e *Error
				if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.Temporary() != tc.temporary {
					t.Fatalf("LookupMX = %v, %v; want %v (temporary %v)", got, err, tc.kind, tc.temporary)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sortedByPref(got) {
				t.Fatalf("LookupMX = %v, not sorted by preference", got)
			}
			slices.SortFunc(got, compareMX)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("LookupMX = %v, want %v", got, tc.want)
			}
			if tc.name == "big.test" && srv.TCPQueries(tc.name) != 1 {
				t.Fatalf("truncated answer: %d TCP queries, want 1", srv.TCPQueries(tc.name))
			}
		})
	}
}

func sortedByPref(mxs []MX) bool {
	return slices.IsSortedFunc(mxs, func(a, b MX) int { return int(a.Pref) - int(b.Pref) })
}

func compareMX(a, b MX) int {
	if a.Pref != b.Pref {
		return int(a.Pref) - int(b.Pref)
	}
	if a.Host < b.Host {
		return -1
	}
	if a.Host > b.Host {
		return 1
	}
	return 0
}

func TestSortMXShufflesEqualPreferences(t *testing.T) {
	t.Parallel()
	firsts := map[string]int{}
	for range 200 {
		mxs := []MX{{"z", 20}, {"a", 10}, {"b", 10}, {"c", 10}}
		sortMX(mxs)
		if !sortedByPref(mxs) || mxs[3].Host != "z" {
			t.Fatalf("sortMX = %v", mxs)
		}
		firsts[mxs[0].Host]++
	}
	// Each of three hosts leads about 67 times in 200; all three leading
	// at least once fails with probability about 3·(2/3)^200.
	if len(firsts) != 3 {
		t.Fatalf("first hosts over 200 sorts: %v", firsts)
	}
}

func TestLookupIP(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t,
		"dual.test. 60 IN A 192.0.2.1",
		"dual.test. 60 IN AAAA 2001:db8::1",
		"v4.test. 60 IN A 192.0.2.2",
		"v4.test. 60 IN A 192.0.2.3",
		"v6.test. 60 IN AAAA 2001:db8::2",
		"alias.test. 60 IN CNAME v4.test.",
		"alias.test. 60 IN A 192.0.2.9", // what a recursive server adds after the CNAME
		"mxonly.test. 60 IN MX 10 mx.test.",
	)
	srv.Set("broken.test", dnstest.ServFail)
	tests := []struct {
		host string
		want []string
		kind error
	}{
		{host: "dual.test", want: []string{"192.0.2.1", "2001:db8::1"}},
		{host: "v4.test", want: []string{"192.0.2.2", "192.0.2.3"}},
		{host: "v6.test", want: []string{"2001:db8::2"}},
		{host: "alias.test", want: []string{"192.0.2.9"}},
		{host: "192.0.2.77", want: []string{"192.0.2.77"}},
		{host: "::ffff:192.0.2.78", want: []string{"192.0.2.78"}},
		{host: "mxonly.test", kind: ErrNoData},
		{host: "nowhere.test", kind: ErrNXDomain},
		{host: "broken.test", kind: ErrServerFailure},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			got, err := r.LookupIP(ctxFor(t, time.Second), tc.host)
			if tc.kind != nil {
				if !errors.Is(err, tc.kind) {
					t.Fatalf("LookupIP = %v, %v; want %v", got, err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := addrStrings(got); !slices.Equal(s, tc.want) {
				t.Fatalf("LookupIP = %v, want %v", s, tc.want)
			}
		})
	}
}

func TestLookupIPPartialFailure(t *testing.T) {
	t.Parallel()
	r, srv := newTest(t, "half.test. 60 IN A 192.0.2.5", "none.test. 60 IN MX 10 mx.test.")
	// AAAA fails, A answers: the addresses found are enough.
	srv.SetFor("half.test", dns.TypeAAAA, dnstest.ServFail)
	got, err := r.LookupIP(ctxFor(t, time.Second), "half.test")
	if err != nil || !slices.Equal(addrStrings(got), []string{"192.0.2.5"}) {
		t.Fatalf("LookupIP = %v, %v", got, err)
	}
	// A has no data, AAAA fails: the temporary failure wins, so the MXA
	// retries instead of bouncing.
	srv.SetFor("none.test", dns.TypeAAAA, dnstest.ServFail)
	got, err = r.LookupIP(ctxFor(t, time.Second), "none.test")
	var e *Error
	if !errors.Is(err, ErrServerFailure) || !errors.As(err, &e) || !e.Temporary() {
		t.Fatalf("LookupIP = %v, %v; want a temporary ErrServerFailure", got, err)
	}
}

func TestLookupAAndTXT(t *testing.T) {
	t.Parallel()
	r, _ := newTest(t,
		"2.0.0.127.bl.test. 60 IN A 127.0.0.2",
		"2.0.0.127.bl.test. 60 IN TXT \"listed: \" \"see https://bl.test/\"",
		"plain.test. 60 IN A 192.0.2.1",
		`raw.test. 60 IN TXT "q\"b\\s\013\010\255"`,
	)
	addrs, err := r.LookupA(ctxFor(t, time.Second), "2.0.0.127.bl.test")
	if err != nil || !slices.Equal(addrs, []netip.Addr{netip.MustParseAddr("127.0.0.2")}) {
		t.Fatalf("LookupA = %v, %v", addrs, err)
	}
	txt, err := r.LookupTXT(ctxFor(t, time.Second), "2.0.0.127.bl.test")
	if err != nil || !slices.Equal(txt, []string{"listed: see https://bl.test/"}) {
		t.Fatalf("LookupTXT = %q, %v", txt, err)
	}
	// The bytes on the wire, not the dns package's presentation format.
	txt, err = r.LookupTXT(ctxFor(t, time.Second), "raw.test")
	if err != nil || !slices.Equal(txt, []string{"q\"b\\s\r\n\xff"}) {
		t.Fatalf("LookupTXT = %q, %v", txt, err)
	}
	if _, err := r.LookupTXT(ctxFor(t, time.Second), "plain.test"); !errors.Is(err, ErrNoData) {
		t.Fatalf("LookupTXT without TXT: %v, want ErrNoData", err)
	}
	if _, err := r.LookupA(ctxFor(t, time.Second), "1.0.0.127.bl.test"); !errors.Is(err, ErrNXDomain) {
		t.Fatalf("LookupA of an unlisted name: %v, want ErrNXDomain", err)
	}
}

func addrStrings(addrs []netip.Addr) []string {
	var s []string
	for _, a := range addrs {
		s = append(s, a.String())
	}
	return s
}
