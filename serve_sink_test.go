package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/logs"
)

// TestSinkReport: the count and rate are printed when the count changed,
// not while it stands still, and the total at the end.
func TestSinkReport(t *testing.T) {
	t.Parallel()
	buf := &testutil.Buffer{}
	off := false
	lg, err := logs.New(logs.Options{Console: buf, Level: logs.Info, Color: &off})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{log: lg}
	var n atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.sinkReport(ctx, n.Load, 5*time.Millisecond); close(done) }()
	waitFor := func(s string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(buf.String(), s); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in:\n%s", s, buf.String())
			}
		}
	}
	n.Store(3)
	waitFor("3 message(s) accepted, ")
	n.Store(7)
	waitFor("7 message(s) accepted, ")
	cancel()
	<-done
	if c := strings.Count(buf.String(), "message(s) accepted, "); c != 2 {
		t.Errorf("%d count lines, want 2 (one per change):\n%s", c, buf.String())
	}
	if !strings.Contains(buf.String(), "7 message(s) accepted in ") {
		t.Errorf("no total:\n%s", buf.String())
	}
}
