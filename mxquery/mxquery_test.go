package mxquery

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailq/resolve"
	"mailq/resolve/dnstest"
)

func zone(t *testing.T) *dnstest.Server {
	t.Helper()
	s := dnstest.Start(t)
	s.Add(
		"good.test. 300 IN MX 20 mx2.good.test.",
		"good.test. 300 IN MX 10 mx1.good.test.",
		"good.test. 300 IN A 192.0.2.80",
		"good.test. 300 IN TXT \"v=spf1 mx -all\"",
		"good.test. 300 IN TXT \"google-site-verification=xyz\"",
		"_dmarc.good.test. 300 IN TXT \"v=DMARC1; p=reject\"",
		"mx1.good.test. 300 IN A 192.0.2.81",
		"mx1.good.test. 300 IN AAAA 2001:db8::81",
		"mx2.good.test. 300 IN A 192.0.2.82",
		"81.2.0.192.in-addr.arpa. 300 IN PTR mail.good.test.",
		"nomx.test. 300 IN A 192.0.2.90",
		"null.test. 300 IN MX 0 .",
		"dead.test. 300 IN MX 10 nowhere.dead.test.",
		"dead.test. 300 IN A 192.0.2.91",
		"slow.test. 300 IN A 192.0.2.92",
	)
	s.Set("slow.test", dnstest.Silent)
	return s
}

func TestRun(t *testing.T) {
	t.Parallel()
	dns := zone(t)
	r, err := resolve.New(dns.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args    []string
		code    int
		want    []string // in this order
		wantNot []string
	}{
		{[]string{"good.test"}, ExitOK,
			[]string{"10 mx1.good.test", "192.0.2.81, 2001:db8::81", "20 mx2.good.test", "192.0.2.82"},
			[]string{"SPF", "DMARC"}},
		{[]string{"GOOD.TEST.", "/ALL"}, ExitOK,
			[]string{"10 mx1.good.test", "Addresses of good.test", "192.0.2.80",
				"192.0.2.81 (mx1.good.test): mail.good.test", "192.0.2.82 (mx2.good.test): none",
				"SPF (TXT of good.test): v=spf1 mx -all", "DMARC (TXT of _dmarc.good.test): v=DMARC1; p=reject"},
			[]string{"google-site-verification"}},
		{[]string{"nomx.test"}, ExitNoMX, []string{"no MX records", "192.0.2.90"}, nil},
		{[]string{"null.test"}, ExitNullMX, []string{"null MX"}, nil},
		{[]string{"missing.test"}, ExitNXDomain, []string{"does not exist"}, nil},
		{[]string{"dead.test"}, ExitNoAddr, []string{"nowhere.dead.test: no address", "No mail exchanger"}, nil},
		{[]string{"slow.test"}, ExitDNS, []string{"failed"}, nil},
		{[]string{"nomx.test", "/ALL"}, ExitNoMX, []string{"SPF (TXT of nomx.test): none", "DMARC (TXT of _dmarc.nomx.test): none"}, nil},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			t.Parallel()
			q, err := Parse(c.args)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var out strings.Builder
			code := Run(ctx, q, r, &out)
			if code != c.code {
				t.Fatalf("exit %d, want %d:\n%s", code, c.code, out.String())
			}
			rest := out.String()
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", w, out.String())
				}
				rest = rest[i+len(w):]
			}
			for _, w := range c.wantNot {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, bad := range [][]string{nil, {"a.test", "b.test"}, {"a.test", "/FROB"}} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	q, err := Parse([]string{"-all", "/dns:127.0.0.1:5353", "Example.COM."})
	if err != nil || !q.All || q.DNS != "127.0.0.1:5353" || q.Domain != "example.com" {
		t.Fatalf("Parse = %+v, %v", q, err)
	}
}
