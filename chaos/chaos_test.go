package chaos

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"mailq/config"
)

func plan(t *testing.T, seed uint64, rules ...string) *Plan {
	t.Helper()
	p, err := FromRules(seed, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything@x", true},
		{"fail+*@*", "fail+1@test.example", true},
		{"fail+*@*", "FAIL+abc@Other.Example", true},
		{"fail+*@*", "fail@test.example", false},
		{"slow@*", "slow@x", true},
		{"slow@*", "xslow@x", false},
		{"*@example.org", "a@example.org", true},
		{"*@example.org", "a@example.org.evil", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"192.0.2.15?", "192.0.2.150", true},
		{"192.0.2.15?", "192.0.2.15", false},
		{"", "", true},
		{"", "x", false},
	} {
		if got := Match(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestDecide: delays add up, close is kept, the first final rule ends the
// search, rules of other stages and patterns are not asked.
func TestDecide(t *testing.T) {
	t.Parallel()
	p := plan(t, 1, "* RCPT delay 1s", "x@* RCPT 550 5.1.1 x", "* RCPT close", "* RCPT delay 2s", "* RCPT 451 4.3.0 later", "* RCPT delay 4s", "* MAIL 554 no")
	d := p.Stream("1").Decide(config.StageRcpt, "y@test")
	if d.Delay != 3*time.Second || !d.Close || d.Final == nil || d.Final.Code != 451 || len(d.Fired) != 4 {
		t.Errorf("decision %+v", d)
	}
	d = p.Stream("1").Decide(config.StageRcpt, "x@test")
	if d.Delay != time.Second || d.Close || d.Final == nil || d.Final.Code != 550 {
		t.Errorf("decision for x@: %+v", d)
	}
	if d := p.Stream("1").Decide(config.StageData, "y@test"); d.Hit() {
		t.Errorf("a stage without rules decided %+v", d)
	}
	var none *Plan
	if d := none.Stream("1").Decide(config.StageRcpt, "y@test"); d.Hit() || none.Has(config.StageRcpt) {
		t.Errorf("a nil plan decided %+v", d)
	}
	if New(config.Chaos{}) != nil {
		t.Error("a plan without rules is not nil")
	}
}

// TestTimes: "3x" fires three times in all, across streams and goroutines.
func TestTimes(t *testing.T) {
	t.Parallel()
	p := plan(t, 1, "* RCPT 3x 451 4.3.0 later")
	var mu sync.Mutex
	fired := 0
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p.Stream(fmt.Sprint(i)).Decide(config.StageRcpt, "a@b").Final != nil {
				mu.Lock()
				fired++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if fired != 3 {
		t.Errorf("fired %d times, want 3", fired)
	}
}

// TestStreams: a stream's draws depend on the seed and its key only; a
// zero seed is replaced by a non-zero one.
func TestStreams(t *testing.T) {
	t.Parallel()
	draws := func(p *Plan, key string) string {
		s := p.Stream(key)
		out := ""
		for range 64 {
			if s.Decide(config.StageRcpt, "a@b").Hit() {
				out += "1"
			} else {
				out += "0"
			}
		}
		return out
	}
	rule := "* RCPT 50% 451 4.3.0 later"
	a, b := plan(t, 7, rule), plan(t, 7, rule)
	draws(a, "other") // another session on a first: no effect on "1"
	if x, y := draws(a, "1"), draws(b, "1"); x != y {
		t.Errorf("same seed and key:\n%s\n%s", x, y)
	}
	if x, y := draws(b, "1"), draws(b, "2"); x == y {
		t.Errorf("keys 1 and 2 drew alike: %s", x)
	}
	if x, y := draws(a, "1"), draws(plan(t, 8, rule), "1"); x == y {
		t.Errorf("seeds 7 and 8 drew alike: %s", x)
	}
	if p := plan(t, 0, rule); p.Seed() == 0 {
		t.Error("seed 0 kept")
	}
}
