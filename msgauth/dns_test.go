package msgauth

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve"
	"mailq/resolve/dnstest"
)

func newTestDNS(t *testing.T, records ...string) (*cachedDNS, *dnstest.Server) {
	t.Helper()
	srv := dnstest.Start(t)
	srv.Add(records...)
	r, err := resolve.New(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return newCachedDNS(r), srv
}

// TestCacheKeepsAnswersForTheirTTL: a second lookup within the TTL is
// answered from the cache, one after it asks again; a negative answer is
// kept for the SOA's negative TTL; a server failure is not kept.
func TestCacheKeepsAnswersForTheirTTL(t *testing.T) {
	t.Parallel()
	c, srv := newTestDNS(t, `a.test. 60 IN TXT "v=spf1 -all"`, `a.test. 30 IN TXT "other"`)
	srv.SetNegTTL(120)
	srv.SetFor("broken.test", dns.TypeTXT, dnstest.ServFail)
	now := time.Unix(1_000_000, 0)
	c.now = func() time.Time { return now }
	ctx := context.Background()
	lookup := func(name string) error {
		_, err := c.LookupTXT(ctx, name)
		return err
	}
	for _, step := range []struct {
		after   time.Duration // the clock moves on by this first
		name    string
		queries int // the server's count for name after the lookup
	}{
		{0, "a.test", 1},
		{29 * time.Second, "a.test", 1}, // the smaller TTL of the two records counts
		{2 * time.Second, "a.test", 2},
		{0, "gone.test", 1},
		{119 * time.Second, "gone.test", 1},
		{2 * time.Second, "gone.test", 2},
	} {
		now = now.Add(step.after)
		lookup(step.name)
		if q := srv.Queries(step.name); q != step.queries {
			t.Fatalf("after %v, %s: %d queries, want %d", step.after, step.name, q, step.queries)
		}
	}
	lookup("broken.test")
	first := srv.Queries("broken.test") // the resolver tries more than once
	lookup("broken.test")
	if again := srv.Queries("broken.test"); first == 0 || again <= first {
		t.Fatalf("a SERVFAIL was kept: %d queries, then %d", first, again)
	}
}

// TestLookupErrors: the libraries tell "no record", temporary and
// permanent failures by the *net.DNSError they get.
func TestLookupErrors(t *testing.T) {
	t.Parallel()
	c, srv := newTestDNS(t, `txt.test. 60 IN TXT "x"`, `mx.test. 60 IN MX 10 mail.mx.test.`,
		`mail.mx.test. 60 IN A 192.0.2.5`, `mail.mx.test. 60 IN AAAA 2001:db8::5`,
		`5.2.0.192.in-addr.arpa. 60 IN PTR mail.mx.test.`)
	srv.Set("down.test", dnstest.ServFail)
	ctx := context.Background()
	check := func(what string, err error, notFound, temporary bool) {
		t.Helper()
		var de *net.DNSError
		if !errors.As(err, &de) || de.IsNotFound != notFound || de.Temporary() != temporary {
			t.Errorf("%s: %#v, want not found %v, temporary %v", what, err, notFound, temporary)
		}
	}
	_, err := c.LookupTXT(ctx, "nowhere.test")
	check("TXT of a missing name", err, true, false)
	_, err = c.LookupTXT(ctx, "mx.test")
	check("TXT of a name without TXT", err, true, false)
	_, err = c.LookupTXT(ctx, "down.test")
	check("TXT at SERVFAIL", err, false, true)
	_, err = c.LookupIPAddr(ctx, "down.test")
	check("address at SERVFAIL", err, false, true)
	mxs, err := c.LookupMX(ctx, "mx.test")
	if err != nil || len(mxs) != 1 || mxs[0].Host != "mail.mx.test." {
		t.Errorf("LookupMX = %v, %v", mxs, err)
	}
	ips, err := c.LookupIPAddr(ctx, "mail.mx.test")
	if err != nil || len(ips) != 2 {
		t.Errorf("LookupIPAddr = %v, %v", ips, err)
	}
	names, err := c.LookupAddr(ctx, "192.0.2.5")
	if err != nil || !slices.Equal(names, []string{"mail.mx.test."}) {
		t.Errorf("LookupAddr = %v, %v", names, err)
	}
}
