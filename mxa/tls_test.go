package mxa

import (
	"crypto/tls"
	"strconv"
	"strings"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// TestTLSPolicies delivers through [LocalMX] entries and the gateway with
// each TLS policy to a peer of our own: one that offers STARTTLS with a
// certificate for its name, one with a certificate for another name, one
// without STARTTLS, and one speaking TLS from the first byte (the
// implicit-TLS port). The outcome must be in the MXA log and in the
// recorded result (the delivery status).
func TestTLSPolicies(t *testing.T) {
	t.Parallel()
	good, pool := selfSigned(t, "peer.test")
	wrong, wrongPool := selfSigned(t, "other.test")
	for _, tc := range []struct {
		name     string
		tls      *tls.Config // the peer's certificate; nil: no STARTTLS
		policy   config.TLSPolicy
		gateway  bool // route by MX=Gateway and GatewayTLS
		implicit bool // the peer speaks TLS at once, on the implicit-TLS port
		roots    bool // trust the peer's certificate

		sessions  int
		delivered bool
		wantTLS   bool
		result    string // the recorded result contains this
	}{
		{name: "none", tls: good, policy: config.TLSNone,
			sessions: 1, delivered: true, result: "250"},
		{name: "opportunistic", tls: good, policy: config.TLSOpportunistic,
			sessions: 1, delivered: true, wantTLS: true, result: "(TLS TLS1.3 TLS_"},
		{name: "opportunistic, no STARTTLS", policy: config.TLSOpportunistic,
			sessions: 1, delivered: true, result: "250"},
		{name: "opportunistic, handshake fails", tls: &tls.Config{}, policy: config.TLSOpportunistic,
			sessions: 2, delivered: true, result: "250"},
		{name: "require", tls: good, policy: config.TLSRequire,
			sessions: 1, delivered: true, wantTLS: true, result: "certificate not verified)"},
		{name: "require, no STARTTLS", policy: config.TLSRequire,
			sessions: 1, result: "451 4.7.4 peer.test[127.0.0.1] does not offer STARTTLS, and the TLS policy is require"},
		{name: "verify", tls: good, policy: config.TLSVerify, roots: true,
			sessions: 1, delivered: true, wantTLS: true, result: "certificate verified)"},
		{name: "verify, untrusted", tls: good, policy: config.TLSVerify,
			sessions: 1, result: "4.7.5"},
		{name: "verify, wrong name", tls: wrong, policy: config.TLSVerify, roots: true,
			sessions: 1, result: "certificate does not verify (x509: certificate is valid for other.test, not peer.test)"},
		{name: "gateway require, no STARTTLS", policy: config.TLSRequire, gateway: true,
			sessions: 1, result: "4.7.4"},
		{name: "gateway verify", tls: good, policy: config.TLSVerify, gateway: true, roots: true,
			sessions: 1, delivered: true, wantTLS: true, result: "certificate verified)"},
		{name: "implicit", tls: good, policy: config.TLSRequire, implicit: true,
			sessions: 1, delivered: true, wantTLS: true, result: "(TLS TLS1.3"},
		{name: "implicit, gateway verify", tls: good, policy: config.TLSVerify, gateway: true, implicit: true, roots: true,
			sessions: 1, delivered: true, wantTLS: true, result: "certificate verified)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{TLS: tc.tls, Implicit: tc.implicit})
			f := newFixture(t, nil, func(o *Options) {
				o.MXA.MX = config.MXLocal
				o.LocalMX = []config.MXRoute{{Domain: "example.org", Host: "peer.test", Port: int(p.Addr.Port())}}
				o.TLS.LocalMX = map[string]config.TLSPolicy{"example.org": tc.policy}
				if tc.gateway {
					o.MXA.MX, o.MXA.Gateway, o.TLS.GatewayTLS = config.MXGateway, "peer.test:"+strconv.Itoa(int(p.Addr.Port())), tc.policy
				}
				if tc.roots {
					o.RootCAs = pool
				} else {
					o.RootCAs = wrongPool
				}
			})
			f.a.router.lookup = fixedLookup(p.Addr.Addr())
			if tc.implicit {
				f.a.router.tls.implicitPort = int(p.Addr.Port())
			}
			id := f.put(queue.External, "alice@origin.test", "bob@example.org", "carol@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			ss := p.Sessions()
			if len(ss) != tc.sessions {
				t.Fatalf("%d sessions, want %d: %+v", len(ss), tc.sessions, ss)
			}
			last := ss[len(ss)-1]
			if last.Accepted != tc.delivered || last.TLS != tc.wantTLS {
				t.Fatalf("session %+v; want delivered %v, TLS %v", last, tc.delivered, tc.wantTLS)
			}
			folder, rid := queue.Retry, id.Derive(1)
			if tc.delivered {
				folder, rid = queue.Sent, id
			}
			for _, r := range f.env(folder, rid).Recipients {
				if !strings.Contains(r.Result, tc.result) || strings.Count(r.Result, "(TLS ") > 1 {
					t.Fatalf("result %q, want %q once", r.Result, tc.result)
				}
			}
			if tc.delivered && !strings.Contains(f.out.String(), "(TLS policy "+tc.policy.String()+")") {
				t.Fatalf("the MXA log does not give the TLS outcome:\n%s", f.out)
			}
		})
	}
}

// TestTLSPolicySplitsSessions: two [LocalMX] entries for one host with
// different policies are delivered in separate sessions, each under its
// own policy.
func TestTLSPolicySplitsSessions(t *testing.T) {
	t.Parallel()
	good, _ := selfSigned(t, "peer.test")
	p := startPeer(t, &peer{TLS: good})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		port := int(p.Addr.Port())
		o.LocalMX = []config.MXRoute{{Domain: "a.example", Host: "peer.test", Port: port}, {Domain: "b.example", Host: "peer.test", Port: port}}
		o.TLS.LocalMX = map[string]config.TLSPolicy{"a.example": config.TLSNone, "b.example": config.TLSRequire}
	})
	f.a.router.lookup = fixedLookup(p.Addr.Addr())
	id := f.put(queue.External, "alice@origin.test", "x@a.example", "y@b.example")
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	ss := p.Sessions()
	if len(ss) != 2 {
		t.Fatalf("%d sessions, want 2: %+v", len(ss), ss)
	}
	for _, s := range ss {
		if want := s.Rcpts[0] == "y@b.example"; s.TLS != want || len(s.Rcpts) != 1 || !s.Accepted {
			t.Errorf("session %+v: TLS %v, want %v", s, s.TLS, want)
		}
	}
}
