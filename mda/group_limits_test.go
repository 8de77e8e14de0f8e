package mda

import (
	"errors"
	"fmt"
	"testing"

	"mailq/config"
	"mailq/queue"
	"mailq/route"
)

// groupPlanner is a planner whose only route is the group
// big@test.example with n external members m0@far.example, m1@...
func groupPlanner(n int) *planner {
	var members []string
	for i := range n {
		members = append(members, fmt.Sprintf("m%d@far.example", i))
	}
	aliases := []config.Alias{{From: "big@test.example", To: members[0], Also: members[1:]}}
	routes := route.New(testDomains, aliases, func(string) bool { return false })
	return &planner{routes: routes, domain: testDomains[0]}
}

// TestGroupMemberLimit: a group expands to up to maxGroupMembers members;
// one more and the set is refused as too large (and quarantined).
func TestGroupMemberLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		members int
		ok      bool
	}{{maxGroupMembers, true}, {maxGroupMembers + 1, false}} {
		env := &queue.Envelope{From: "s@far.example", Recipients: []queue.Recipient{{N: 1, Addr: "big@test.example"}}}
		e, changed, err := groupPlanner(c.members).expandGroups(env)
		if c.ok && (err != nil || !changed || len(e.Recipients) != c.members) {
			t.Errorf("%d members: err %v, changed %v", c.members, err, changed)
		}
		if !c.ok && !errors.Is(err, errGroupTooLarge) {
			t.Errorf("%d members: err %v, want errGroupTooLarge", c.members, err)
		}
	}
}

// TestGroupMemberNumbers: members are numbered on from the highest number
// the set has had, up to queue.MaxRecipients; a group whose members would
// need a number past it is refused as too large.
func TestGroupMemberNumbers(t *testing.T) {
	t.Parallel()
	const top = queue.MaxRecipients - 3
	env := &queue.Envelope{From: "s@far.example", Recipients: []queue.Recipient{
		{N: 2, Addr: "big@test.example"}, {N: top, Addr: "x@far.example"}}}
	e, _, err := groupPlanner(3).expandGroups(env)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range e.Recipients {
		got = append(got, r.N)
		if r.Addr != "x@far.example" && r.Orig != "big@test.example" {
			t.Errorf("member %s: Orig %q, want the group", r.Addr, r.Orig)
		}
	}
	if want := fmt.Sprint([]int{top + 1, top + 2, top + 3, top}); fmt.Sprint(got) != want {
		t.Errorf("numbers %v, want %s", got, want)
	}
	if _, _, err := groupPlanner(4).expandGroups(env); !errors.Is(err, errGroupTooLarge) {
		t.Errorf("a member numbered past queue.MaxRecipients: err %v, want errGroupTooLarge", err)
	}
}
