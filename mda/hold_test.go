package mda

import (
	"context"
	"errors"
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

// TestHoldsNoticeOfExternalSet: a failure notice the MXA wrote names its
// set in external/ (queue format version 3); the agent leaves the notice in
// the queue while that set is there, and files it once the set is filed.
func TestHoldsNoticeOfExternalSet(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	src := queue.ID("2013100717060690338676")
	env := &queue.Envelope{ID: src, From: "alice@test.example", Recipients: []queue.Recipient{{Addr: "bad@far.example"}}}
	if err := tb.tree.WriteSet(queue.External, env, strings.NewReader(testMessage)); err != nil {
		t.Fatal(err)
	}
	n := &dsn.Notice{HostName: "mx.test.example", Env: env, Now: time.Now(),
		Failed: []dsn.Recipient{{Addr: "bad@far.example", Status: "5.1.1", Diagnostic: "550 5.1.1 no"}}}
	if wrote, err := n.Write(tb.tree, queue.External); !wrote || err != nil {
		t.Fatalf("Write = %v, %v", wrote, err)
	}
	if err := a.fileSafely(context.Background(), n.ID); !errors.Is(err, errHeld) {
		t.Fatalf("filing the notice while its set is in external/: %v; want errHeld", err)
	}
	if ids, _ := tb.tree.List(queue.Incoming); !slices.Equal(ids, []queue.ID{n.ID}) {
		t.Fatalf("incoming %v; want the notice held", ids)
	}
	if err := tb.tree.Move(src, queue.External, queue.Failed); err != nil {
		t.Fatal(err)
	}
	tb.fileAll(a)
	if _, err := os.Stat(filepath.Join(tb.paths.Users, "alice@test.example", string(n.ID)+".eml")); err != nil {
		t.Errorf("the notice was not filed once its set left external/: %v", err)
	}
}
