package mda

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/queue"
)

// TestAgentHoldsNoticeWhileSourceQueued: the running agent does not file a
// failure notice while its source is still in the incoming queue (here the
// source keeps failing for a temporary reason), although it files other
// sets meanwhile; once the source is filed, the notice follows. A dispatcher
// that ignored the hold would file the notice at the first scan.
func TestAgentHoldsNoticeWhileSourceQueued(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	blocker := filepath.Join(tb.paths.Users, "bob@test.example")
	if err := os.WriteFile(blocker, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := tb.commit("sender@far.example", []string{"bob@test.example"}, testMessage)
	notice := &queue.Envelope{ID: dsn.LocalID(src), From: "", Recipients: []queue.Recipient{{Addr: "alice@test.example"}}}
	if err := tb.tree.WriteSet(queue.Incoming, notice, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	r := tb.run(func(o *Options) { o.Nice = 20 * time.Millisecond })
	wait(t, r.retried, "the source's failed attempt")

	// Positive control: a set committed now is filed by a later scan, so
	// scans have passed over the held notice.
	control := tb.commit("sender@far.example", []string{"alice@test.example"}, testMessage)
	for got := wait(t, r.filed, "the control set"); got != control; got = wait(t, r.filed, "the control set") {
		t.Fatalf("filed %s while its source %s was still queued (control %s)", got, src, control)
	}
	if ids, _ := tb.tree.List(queue.Incoming); !slices.Contains(ids, notice.ID) {
		t.Fatalf("the notice left the queue while its source was there: %v", ids)
	}

	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	var order []queue.ID
	for len(order) < 2 {
		order = append(order, wait(t, r.filed, "the source, then the notice"))
	}
	if !slices.Equal(order, []queue.ID{src, notice.ID}) {
		t.Fatalf("filed %v, want the source %s then the notice %s", order, src, notice.ID)
	}
}
