package mda

import (
	"testing"

	"mailq/queue"
)

// TestExternalDuplicates: two recipients that are the same external
// mailbox, written differently (a needlessly quoted local part, another
// case), get one place in the external set; the others are duplicates of
// the first.
func TestExternalDuplicates(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	p := &planner{routes: tb.routes, domain: testDomains[0]}
	env := &queue.Envelope{From: "s@far.example", Recipients: []queue.Recipient{
		{N: 1, Addr: "x@far.example"}, {N: 2, Addr: `"x"@far.example`}, {N: 3, Addr: "X@FAR.example"},
		{N: 4, Addr: "y@far.example"}}}
	pl, err := p.plan(env)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		act   action
		dupOf int
	}{{actExternal, 0}, {actDuplicate, 1}, {actDuplicate, 1}, {actExternal, 0}}
	for i, tg := range pl.targets {
		if tg.act != want[i].act || tg.dupOf != want[i].dupOf {
			t.Errorf("recipient %d (%s): action %v, duplicate of %d; want %v, %d",
				tg.n, env.Recipients[i].Addr, tg.act, tg.dupOf, want[i].act, want[i].dupOf)
		}
	}
}
