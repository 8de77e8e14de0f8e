package mda

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/queue"
)

// running is an agent running in the background of a test.
type running struct {
	a       *Agent
	filed   chan queue.ID // each set filed or quarantined
	retried chan queue.ID // each set left for a later attempt
	scans   chan struct{} // each listing of the queue
	queued  atomic.Int32  // calls of Options.Queued
	stop    func()
}

func (tb *testbed) run(mod func(*Options)) *running {
	tb.t.Helper()
	r := &running{filed: make(chan queue.ID, 100), retried: make(chan queue.ID, 100), scans: make(chan struct{}, 100)}
	r.a = tb.agent(func(o *Options) {
		o.Queued = func() { r.queued.Add(1) }
		if mod != nil {
			mod(o)
		}
	})
	r.a.filed = func(id queue.ID, err error) {
		if err != nil {
			r.retried <- id
		} else {
			r.filed <- id
		}
	}
	r.a.scanned = func() {
		select {
		case r.scans <- struct{}{}:
		default:
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.a.Run(ctx) }()
	r.stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			tb.t.Fatal("Run did not return after cancel")
		}
	}
	tb.t.Cleanup(r.stop)
	return r
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// TestWakeFilesAtOnce: with a scan interval far longer than the test, a
// wake-up from the SMTP server's commit hook is what files the message.
func TestWakeFilesAtOnce(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	wake := make(chan struct{}, 1)
	r := tb.run(func(o *Options) { o.Wake, o.Nice = wake, time.Hour })
	wait(t, r.scans, "the first scan")
	id := tb.commit("sender@far.example", []string{"alice@test.example", "x@far.example"}, testMessage)
	wake <- struct{}{}
	if got := wait(t, r.filed, "the set to be filed"); got != id {
		t.Fatalf("filed %s, want %s", got, id)
	}
	if _, err := os.Stat(filepath.Join(tb.paths.Users, "alice@test.example", string(id)+".eml")); err != nil {
		t.Fatal(err)
	}
	if n := r.queued.Load(); n != 1 {
		t.Fatalf("the MXA was woken %d times, want 1", n)
	}
}

// TestScanFindsDroppedSet: without any wake-up, the Nice interval's scan
// finds a set another program dropped.
func TestScanFindsDroppedSet(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	r := tb.run(func(o *Options) { o.Nice = 20 * time.Millisecond })
	wait(t, r.scans, "the first scan")
	id := string(queue.NewID(time.Now()))
	tb.drop(id, readTestdata(t, "drop/minimal.auth"), readTestdata(t, "drop/message.eml"))
	if got := wait(t, r.filed, "the dropped set to be filed"); string(got) != id {
		t.Fatalf("filed %s, want %s", got, id)
	}
}

// TestTemporaryFailureIsRetried: a mailbox that cannot be written (here a
// file where its folder should be) leaves the set in the queue, logs why,
// and the set is filed once the problem is gone, with no copy doubled.
func TestTemporaryFailureIsRetried(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	blocker := filepath.Join(tb.paths.Users, "bob@test.example")
	if err := os.WriteFile(blocker, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := tb.commit("sender@far.example", []string{"alice@test.example", "bob@test.example"}, testMessage)
	r := tb.run(func(o *Options) { o.Nice = 20 * time.Millisecond })
	wait(t, r.retried, "a failed attempt")
	if _, err := tb.tree.Envelope(queue.Incoming, id); err != nil {
		t.Fatalf("the set left the queue after a failure: %v", err)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	wait(t, r.filed, "the set to be filed after the retry")
	for _, who := range []string{"alice@test.example", "bob@test.example"} {
		if got := tb.read("users/" + who + "/" + string(id) + ".eml"); strings.Count(got, "Delivered-To:") != 1 {
			t.Fatalf("%s copy:\n%s", who, got)
		}
	}
	log := tb.mdaLog()
	if !strings.Contains(log, "retry") || !strings.Contains(log, "already done,alice@test.example") {
		t.Fatalf("MDA log:\n%s", log)
	}
}

// TestPanicQuarantines: a set that makes the agent panic is moved to bad/
// and the agent goes on.
func TestPanicQuarantines(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	a.noRecover = false
	bad := tb.commit("sender@far.example", []string{"alice@test.example"}, testMessage)
	good := tb.commit("sender@far.example", []string{"bob@test.example"}, testMessage)
	a.step = func(name string, id queue.ID) {
		if id == bad && name == "deliver" {
			panic("boom")
		}
	}
	tb.fileAll(a)
	if why := tb.read("queue/bad/" + string(bad) + ".why"); !strings.Contains(why, "panic: boom") {
		t.Fatalf(".why: %s", why)
	}
	tb.read("users/bob@test.example/" + string(good) + ".eml")
	if log := tb.mdaLog(); !strings.Contains(log, "goroutine") {
		t.Fatalf("no stack in the log:\n%s", log)
	}
}

// TestStopAfterExternalSetFinishes: a stop that comes once the external set
// is written does not leave the source behind, where the next start's
// replay could write the external set again after the MXA sent it.
func TestStopAfterExternalSetFinishes(t *testing.T) {
	t.Parallel()
	for _, at := range []string{"deliver", "external"} {
		t.Run(at, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(nil)
			queued := 0
			a.queued = func() { queued++ }
			id := tb.commit("sender@far.example", []string{"alice@test.example", "x@far.example"}, testMessage)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a.step = func(name string, _ queue.ID) {
				if name == at {
					cancel()
				}
			}
			err := a.file(ctx, id)
			_, inQueue := tb.tree.Envelope(queue.Incoming, id)
			_, inExternal := tb.tree.Envelope(queue.External, id)
			switch at {
			case "deliver": // stopped before the external set: all left for the replay
				if err == nil || inQueue != nil || inExternal == nil || queued != 0 {
					t.Fatalf("err %v, queue %v, external %v, MXA woken %d", err, inQueue, inExternal, queued)
				}
			case "external": // finished
				if err != nil || inQueue == nil || inExternal != nil || queued != 1 {
					t.Fatalf("err %v, queue %v, external %v, MXA woken %d", err, inQueue, inExternal, queued)
				}
			}
		})
	}
}
