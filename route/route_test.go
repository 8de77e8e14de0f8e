package route

import (
	"errors"
	"strings"
	"testing"

	"mailq/config"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	accounts := map[string]bool{"admin@localhost.com": true, "joe@localhost.com": true, "frederick.j.smith@localhost.com": true}
	tab := New([]string{"localhost.com", "Example.NET"}, []config.Alias{
		{From: "postmaster", To: "admin@localhost.com"},
		{From: "fred@localhost.com", To: "frederick.j.smith@localhost.com"},
		{From: "f@localhost.com", To: "fred@localhost.com"},
		{From: "sales@example.net", To: "someone@elsewhere.org"},
		{From: "a@localhost.com", To: "b@localhost.com"},
		{From: "b@localhost.com", To: "c@localhost.com"},
		{From: "c@localhost.com", To: "a@localhost.com"},
		{From: "self@localhost.com", To: "SELF@localhost.com"},
	}, func(a string) bool { return accounts[a] })

	cases := []struct {
		in         string
		kind       Kind
		addr       string
		chain      int
		postmaster bool
		loop       bool
	}{
		{in: "admin@localhost.com", kind: Account, addr: "admin@localhost.com", chain: 1},
		{in: "Admin@LOCALHOST.com", kind: Account, addr: "admin@localhost.com", chain: 1},
		{in: "fred@localhost.com", kind: Account, addr: "frederick.j.smith@localhost.com", chain: 2},
		{in: "f@localhost.com", kind: Account, addr: "frederick.j.smith@localhost.com", chain: 3},
		{in: "postmaster@example.net", kind: Account, addr: "admin@localhost.com", chain: 2},
		{in: "PostMaster@localhost.com", kind: Account, addr: "admin@localhost.com", chain: 2},
		{in: "nobody@localhost.com", kind: Unknown, addr: "nobody@localhost.com", chain: 1},
		{in: "sales@example.net", kind: External, addr: "someone@elsewhere.org", chain: 2},
		{in: "Someone@Elsewhere.org", kind: External, addr: "Someone@Elsewhere.org", chain: 1},
		{in: "a@localhost.com", loop: true},
		{in: "self@localhost.com", loop: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			r, err := tab.Resolve(c.in)
			if c.loop {
				if !errors.Is(err, ErrLoop) {
					t.Fatalf("Resolve(%q) = %+v, %v; want ErrLoop", c.in, r, err)
				}
				return
			}
			if err != nil || r.Kind != c.kind || r.Addr != c.addr || len(r.Chain) != c.chain || r.Postmaster != c.postmaster {
				t.Fatalf("Resolve(%q) = %+v, %v; want kind %v addr %q chain %d", c.in, r, err, c.kind, c.addr, c.chain)
			}
		})
	}
}

func TestPostmasterWithoutAccount(t *testing.T) {
	t.Parallel()
	tab := New([]string{"localhost"}, nil, func(string) bool { return false })
	r, err := tab.Resolve("POSTMASTER@localhost")
	if err != nil || r.Kind != Unknown || !r.Postmaster || r.Addr != "postmaster@localhost" {
		t.Fatalf("got %+v, %v", r, err)
	}
}

func TestLongChainIsALoop(t *testing.T) {
	t.Parallel()
	var al []config.Alias
	for i := 0; i < MaxChain+2; i++ {
		al = append(al, config.Alias{From: "u" + strings.Repeat("x", i) + "@d", To: "u" + strings.Repeat("x", i+1) + "@d"})
	}
	tab := New([]string{"d"}, al, nil)
	if _, err := tab.Resolve("u@d"); !errors.Is(err, ErrLoop) {
		t.Fatalf("err = %v, want ErrLoop", err)
	}
}

// TestGroup: an alias with several targets resolves to a Group with its
// members as configured, also when reached through a chain; a plain alias
// still follows its one target.
func TestGroup(t *testing.T) {
	t.Parallel()
	tab := New([]string{"x.test"}, []config.Alias{
		{From: "team@x.test", To: "ann@x.test", Also: []string{"bob@x.test", "far@y.test"}},
		{From: "staff@x.test", To: "team@x.test"},
	}, func(a string) bool { return a == "ann@x.test" || a == "bob@x.test" })
	for _, addr := range []string{"team@x.test", "Staff@X.test"} {
		res, err := tab.Resolve(addr)
		if err != nil || res.Kind != Group || res.Addr != "team@x.test" ||
			strings.Join(res.Members, ",") != "ann@x.test,bob@x.test,far@y.test" {
			t.Errorf("Resolve(%s) = %+v, %v", addr, res, err)
		}
	}
	if res, _ := tab.Resolve("ann@x.test"); res.Kind != Account {
		t.Errorf("a member resolves as %v", res.Kind)
	}
}
