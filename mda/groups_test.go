package mda

import (
	"slices"
	"strings"
	"testing"

	"mailq/queue"
)

// TestGroupOneCopyEach: a message to a distribution group and to members
// of it gives every final member one copy: alice (a member, and through
// team -> sales), bob (through the nested group, and directly), and one
// external set with the forward x@far.example once, although pair leads
// back into crew.
func TestGroupOneCopyEach(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := tb.commit("sender@far.example", []string{"bob@test.example", "crew@test.example", "x@far.example"}, testMessage)
	tb.fileAll(a)
	want := expand(id, "users/alice@test.example/{id}.eml", "users/bob@test.example/{id}.eml",
		"queue/external/{id}.auth", "queue/external/{id}.eml")
	if got := tb.files(); !slices.Equal(got, want) {
		t.Fatalf("tree:\n got %q\nwant %q", got, want)
	}
	ext, err := tb.tree.Envelope(queue.External, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Recipients) != 1 || ext.Recipients[0].Addr != "x@far.example" {
		t.Fatalf("external recipients: %+v", ext.Recipients)
	}
	alice := tb.read("users/alice@test.example/" + string(id) + ".eml")
	if !strings.Contains(alice, "X-Original-To: crew@test.example\r\n") || strings.Count(alice, "Delivered-To:") != 1 {
		t.Fatalf("alice's copy:\n%s", alice[:strings.Index(alice, "\r\n\r\n")])
	}
}

// TestGroupExpansionDurable: the expansion is written to the set's
// envelope before anything else, with fresh recipient numbers and the
// group as the members' original address, so a replay after a crash files
// the same members; expanding again changes nothing.
func TestGroupExpansionDurable(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := tb.commit("sender@far.example", []string{"carol@other.example", "crew@test.example"}, testMessage)
	env, err := tb.tree.Envelope(queue.Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	got, done, err := a.expand(id, env)
	if err != nil || done {
		t.Fatal(err, done)
	}
	var addrs []string
	for _, r := range got.Recipients {
		addrs = append(addrs, r.Addr)
		if r.Addr != "carol@other.example" && (r.Orig != "crew@test.example" || r.N <= 2) {
			t.Errorf("member %+v: want Orig crew@test.example and a number above 2", r)
		}
	}
	// Breadth first: crew's own members, then pair's; crew again is skipped.
	if want := []string{"carol@other.example", "alice@test.example", "team@test.example", "bob@test.example", "x@far.example"}; !slices.Equal(addrs, want) {
		t.Fatalf("expanded to %q, want %q", addrs, want)
	}
	onDisk, err := tb.tree.Envelope(queue.Incoming, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk.Recipients) != len(got.Recipients) {
		t.Fatalf("the expansion is not in the .auth: %+v", onDisk.Recipients)
	}
	if _, changed, err := a.planner.expandGroups(onDisk); changed || err != nil {
		t.Fatalf("a second expansion changed the set (%v)", err)
	}
}
