package mda

import (
	"errors"
	"strings"
	"testing"

	"mailq/queue"
	"mailq/route"
)

func testPlanner(refile bool, domain string) *planner {
	accounts := map[string]bool{}
	for _, a := range testAccounts {
		accounts[a] = true
	}
	return &planner{routes: route.New(testDomains, testAliases, func(a string) bool { return accounts[a] }),
		refileUnknown: refile, domain: domain}
}

// TestPlanPostmasterWithoutDomain: with no local domain at all, the
// domainless Postmaster is still kept, in the unknown folder.
func TestPlanPostmasterWithoutDomain(t *testing.T) {
	t.Parallel()
	p := testPlanner(false, "")
	p.routes = route.New(nil, nil, nil)
	pl, err := p.plan(&queue.Envelope{Recipients: []queue.Recipient{{N: 1, Addr: "Postmaster"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tg := pl.targets[0]; tg.act != actUnknown || tg.folder != "postmaster@localhost" {
		t.Fatalf("target %+v", tg)
	}
}

// TestPlanIgnoresBadOrig: an orig attribute that is not an address never
// reaches a header field.
func TestPlanIgnoresBadOrig(t *testing.T) {
	t.Parallel()
	pl, err := testPlanner(true, "test.example").plan(&queue.Envelope{From: "a@far.example",
		Recipients: []queue.Recipient{{N: 1, Addr: "alice@test.example", Orig: "x\r\nBcc: evil@far.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	if tg := pl.targets[0]; tg.orig != "" {
		t.Fatalf("orig %q kept", tg.orig)
	}
}

// FuzzPlan: whatever the recipients, planning never panics, refuses only
// with a reason, and every folder it names is one safe level below the
// users folder.
func FuzzPlan(f *testing.F) {
	for _, s := range []string{"alice@test.example", "Postmaster", "loop1@test.example", `"a/b"@test.example`,
		"x@far.example\nsales@test.example", "con@test.example", "a..b@test.example", "nobody@other.example"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, rcpts string, refile bool) {
		env := &queue.Envelope{From: "a@far.example"}
		for i, r := range strings.Split(rcpts, "\n") {
			env.Recipients = append(env.Recipients, queue.Recipient{N: i + 1, Addr: r})
		}
		pl, err := testPlanner(refile, "test.example").plan(env)
		if err != nil {
			var bad *malformedError
			if !errors.As(err, &bad) || bad.reason == "" {
				t.Fatalf("error %v is not a quarantine reason", err)
			}
			return
		}
		for _, tg := range pl.targets {
			if !tg.local() {
				continue
			}
			if tg.folder == "" || strings.ContainsAny(tg.folder, `/\`) || strings.Contains(tg.folder, "..") ||
				strings.ContainsFunc(tg.folder, func(r rune) bool { return r < ' ' }) {
				t.Fatalf("unsafe folder %q for %q", tg.folder, tg.addr)
			}
		}
	})
}
