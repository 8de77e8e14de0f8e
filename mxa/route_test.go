package mxa

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"mailq/config"
	"mailq/queue"
	"mailq/resolve"
	"mailq/resolve/dnstest"
)

// dnsFor starts a test DNS server with records and returns a resolver
// asking it.
func dnsFor(t *testing.T, records ...string) (*resolve.Resolver, *dnstest.Server) {
	t.Helper()
	srv := dnstest.Start(t)
	srv.Add(records...)
	r, err := resolve.New(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return r, srv
}

// TestRoute checks the plan for a domain in each MX mode.
func TestRoute(t *testing.T) {
	t.Parallel()
	dns, srv := dnsFor(t,
		"a.test. 300 IN MX 20 mx2.a.test.",
		"a.test. 300 IN MX 10 mx1.a.test.",
		"plain.test. 300 IN A 192.0.2.7",
		"null.test. 300 IN MX 0 .",
	)
	srv.Set("broken.test", dnstest.ServFail)
	srv.Set("silent.test", dnstest.Silent)
	table := []config.MXRoute{
		{Domain: "a.test", Host: "relay.lan", Port: 2525},
		{Domain: "dns.test", Host: "*", Port: 25},
	}
	type want struct {
		targets string // "host:port login" words
		err     string // the enhanced status of a routing failure
	}
	tests := []struct {
		name   string
		mode   config.MXMode
		local  []config.MXRoute
		domain string
		want   want
	}{
		{"gateway", config.MXGateway, nil, "a.test", want{targets: "gw.lan:587 login"}},
		{"remote MX by preference", config.MXRemote, nil, "a.test", want{targets: "mx1.a.test:25 mx2.a.test:25"}},
		{"implicit MX", config.MXRemote, nil, "plain.test", want{targets: "plain.test:25"}},
		{"null MX", config.MXRemote, nil, "null.test", want{err: "5.1.10"}},
		{"NXDOMAIN", config.MXRemote, nil, "nowhere.test", want{err: "5.1.2"}},
		{"SERVFAIL", config.MXRemote, nil, "broken.test", want{err: "4.4.3"}},
		{"silent", config.MXRemote, nil, "silent.test", want{err: "4.4.3"}},
		{"address literal", config.MXRemote, nil, "[192.0.2.8]", want{targets: "192.0.2.8:25"}},
		{"local table", config.MXLocal, table, "a.test", want{targets: "relay.lan:2525"}},
		{"local table DNS entry", config.MXLocal, table, "dns.test", want{err: "5.1.2"}},
		{"local table, no entry", config.MXLocal, table, "other.test", want{err: "4.4.4"}},
		{"local catch-all", config.MXLocal, append(table, config.MXRoute{Domain: "*", Host: "smart.lan", Port: 25}),
			"other.test", want{targets: "smart.lan:25 login"}},
		{"local DNS fall-back", config.MXLocal, append(table, config.MXRoute{Domain: "*", Host: "*", Port: 25}),
			"plain.test", want{targets: "plain.test:25"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRouter(tc.mode, "gw.lan:587", tc.local, dns, shortTimeouts, newSelf(nil, "mx.test", nil))
			p := r.route(context.Background(), tc.domain)
			var got want
			if p.err != nil {
				got.err = p.err.Enh
			}
			var words []string
			for _, tg := range p.targets {
				w := fmt.Sprintf("%s:%d", tg.host, tg.port)
				if tg.login {
					w += " login"
				}
				words = append(words, w)
			}
			got.targets = strings.Join(words, " ")
			if got != tc.want {
				t.Errorf("plan %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestAddrs checks how a missing address counts: temporary for an MX host,
// permanent for the implicit MX.
func TestAddrs(t *testing.T) {
	t.Parallel()
	dns, srv := dnsFor(t, "mx.a.test. 300 IN A 192.0.2.1", "mx.a.test. 300 IN AAAA 2001:db8::1", "named.test. 300 IN MX 10 x.test.")
	srv.Set("broken.test", dnstest.ServFail)
	r := newRouter(config.MXRemote, "", nil, dns, shortTimeouts, newSelf(nil, "mx.test", nil))
	ctx := context.Background()
	ips, rep := r.addrs(ctx, target{host: "mx.a.test", port: 25}, false)
	if rep != nil || !slices.Equal(ips, []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")}) {
		t.Errorf("mx.a.test: %v %v", ips, rep)
	}
	for _, tc := range []struct {
		host     string
		implicit bool
		enh      string
	}{
		{"gone.test", false, "4.4.3"},
		{"gone.test", true, "5.1.2"},
		{"named.test", true, "5.1.2"},
		{"broken.test", true, "4.4.3"},
	} {
		if _, rep := r.addrs(ctx, target{host: tc.host, port: 25}, tc.implicit); rep == nil || rep.Enh != tc.enh {
			t.Errorf("%s implicit=%v: %v, want %s", tc.host, tc.implicit, rep, tc.enh)
		}
	}
}

// TestDeliverByDNS delivers by MX records to peers on loopback addresses,
// all on one port, which stands in for 25.
func TestDeliverByDNS(t *testing.T) {
	t.Parallel()
	live := startPeer(t, &peer{})
	port := live.Addr.Port()
	grey := startPeerListener(t, &peer{Rcpt: func(a string) string {
		if strings.HasPrefix(a, "grey") {
			return "450 4.7.1 greylisted"
		}
		return "250 OK"
	}}, "127.0.0.2", port)
	dns, srv := dnsFor(t,
		"fallback.test. 300 IN MX 10 dead.test.", // nothing listens on 127.0.0.3
		"fallback.test. 300 IN MX 20 live.test.",
		"dead.test. 300 IN A 127.0.0.3",
		"live.test. 300 IN A 127.0.0.1",
		"grey.test. 300 IN MX 10 grey-mx.test.",
		"grey.test. 300 IN MX 20 live.test.",
		"grey-mx.test. 300 IN A 127.0.0.2",
		"implicit.test. 300 IN A 127.0.0.1",
		"self.test. 300 IN MX 10 us.test.",
		"self.test. 300 IN MX 20 live.test.",
		"us.test. 300 IN A 127.0.0.4",
		"unresolved.test. 300 IN MX 10 nowhere.test.",
	)
	srv.Set("nowhere.test", dnstest.ServFail)
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXRemote
		o.DNS = dns
		o.Listen = []netip.AddrPort{netip.AddrPortFrom(netip.MustParseAddr("127.0.0.4"), port)}
	})
	f.a.router.mxPort = int(port)
	id := f.put(queue.External, "alice@origin.test", "a@fallback.test", "grey@grey.test", "b@grey.test",
		"c@implicit.test", "d@self.test", "e@unresolved.test")
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	got := live.Delivered()
	slices.Sort(got)
	// The greylisted recipient goes to the next MX; d@self.test loses the
	// MX that is us and the ones after it (RFC 5321 §5.1), so it waits.
	if want := []string{"a@fallback.test", "c@implicit.test", "grey@grey.test"}; !slices.Equal(got, want) {
		t.Errorf("live peer got %v, want %v", got, want)
	}
	if got := grey.Delivered(); !slices.Equal(got, []string{"b@grey.test"}) {
		t.Errorf("grey peer got %v", got)
	}
	env := f.env(queue.Sent, id)
	want := "a@fallback.test=delivered grey@grey.test=delivered b@grey.test=delivered c@implicit.test=delivered d@self.test=pending e@unresolved.test=pending"
	if got := statuses(env); got != want {
		t.Errorf("statuses %s\nwant %s", got, want)
	}
	for n, w := range map[int]string{5: "4.4.6", 6: "4.4.3"} {
		if r := f.env(queue.Retry, id.Derive(n)).Recipients[0]; !strings.Contains(r.Result, w) {
			t.Errorf("recipient %d: %q, want %s", n, r.Result, w)
		}
	}
	if r := env.Recipients[0]; !strings.HasPrefix(r.Result, "live.test[127.0.0.1] said: 250") {
		t.Errorf("result %q", r.Result)
	}
}

// TestNoAddressNoError: a host name whose lookup gives no address and no
// error is a host that cannot be found (X.4.3), named in the result, not a
// destination without servers.
func TestNoAddressNoError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.LocalMX = []config.MXRoute{{Domain: "example.org", Host: "relay.example.org", Port: 25}}
	})
	f.a.router.lookup = func(context.Context, string) ([]netip.Addr, error) { return nil, nil }
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "4.4.3 cannot find the address of relay.example.org") {
		t.Errorf("result %q", r.Result)
	}
}
