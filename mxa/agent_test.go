package mxa

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// TestRunRetries: Run picks a set up when woken, defers it, and delivers the
// retry copy when the index says it is due.
func TestRunRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	p := startPeer(t, &peer{Rcpt: func(a string) string {
		if a == "gone@example.org" {
			return "550 5.1.1 no such user"
		}
		if calls.Add(1) == 1 {
			return "421 4.3.2 come back later"
		}
		return "250 OK"
	}})
	wake := make(chan struct{}, 1)
	var bounced atomic.Int32
	f := newFixture(t, p, func(o *Options) {
		o.MXA.RetryInterval = 300 * time.Millisecond
		o.Wake = wake
		o.Rescan = time.Hour // only the wake-up finds the set
		o.Bounced = func() { bounced.Add(1) }
	})
	wait := f.start()
	id := f.put(queue.External, "alice@origin.test", "bob@example.org", "gone@example.org")
	wake <- struct{}{}
	cid := id.Derive(1)
	wait("the retry copy in sent/", func() bool { return slices.Contains(f.list(queue.Sent), cid) })
	if got := p.Delivered(); !slices.Equal(got, []string{"bob@example.org"}) {
		t.Errorf("delivered %v", got)
	}
	if !slices.Equal(f.list(queue.Failed), []queue.ID{id}) || len(f.list(queue.Retry)) != 0 || len(f.list(queue.External)) != 0 {
		t.Errorf("failed %v retry %v external %v", f.list(queue.Failed), f.list(queue.Retry), f.list(queue.External))
	}
	if bounced.Load() != 1 || len(f.list(queue.Incoming)) != 1 {
		t.Errorf("bounced %d times, incoming %v", bounced.Load(), f.list(queue.Incoming))
	}
}

// TestRunIndex: sets already in retry/ at start run when due, and only then.
func TestRunIndex(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Rescan = 50 * time.Millisecond })
	now := time.Now()
	put := func(due time.Time) queue.ID {
		// A retry copy as the agent writes it: <id>-<n>, recipient n alone.
		base := f.put(queue.External, "alice@origin.test", "bob@example.org")
		env := f.env(queue.External, base)
		env.ID = base.Derive(1)
		env.Recipients[0].Next, env.Recipients[0].Attempts = due.UTC(), 1
		if err := f.tree.WriteSet(queue.Retry, env, strings.NewReader(f.body(queue.External, base))); err != nil {
			t.Fatal(err)
		}
		if err := f.tree.Remove(queue.External, base); err != nil {
			t.Fatal(err)
		}
		return env.ID
	}
	past, soon, later := put(now.Add(-time.Hour)), put(now.Add(400*time.Millisecond)), put(now.Add(time.Hour))
	wait := f.start()
	wait("the due sets in sent/", func() bool { return len(f.list(queue.Sent)) == 2 })
	if sent := f.list(queue.Sent); !slices.Contains(sent, past) || !slices.Contains(sent, soon) {
		t.Errorf("sent %v", sent)
	}
	if retry := f.list(queue.Retry); !slices.Equal(retry, []queue.ID{later}) {
		t.Errorf("retry %v, want only %s", retry, later)
	}
	if n := len(p.Sessions()); n != 2 {
		t.Errorf("%d sessions, want 2", n)
	}
	if !strings.Contains(f.out.String(), "3 set(s) waiting in retry/") {
		t.Errorf("console:\n%s", f.out.String())
	}
}

// TestRunSlowHost: a host that hangs holds one worker, not the others.
func TestRunSlowHost(t *testing.T) {
	t.Parallel()
	slow := startPeer(t, &peer{Hang: true})
	fast := startPeer(t, &peer{})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.MXA.Workers = 2
		o.LocalMX = []config.MXRoute{
			{Domain: "slow.test", Host: "127.0.0.1", Port: int(slow.Addr.Port())},
			{Domain: "fast.test", Host: "127.0.0.1", Port: int(fast.Addr.Port())},
		}
		o.Timeouts.Greeting = time.Minute
		o.StopGrace = time.Millisecond
		o.Rescan = 20 * time.Millisecond
	})
	slowID := f.put(queue.External, "alice@origin.test", "a@slow.test")
	wait := f.start()
	wait("a session with the slow host", func() bool { return len(slow.Sessions()) == 1 })
	f.put(queue.External, "alice@origin.test", "b@fast.test")
	f.put(queue.External, "alice@origin.test", "c@fast.test")
	wait("both fast sets sent", func() bool { return len(fast.Delivered()) == 2 })
	// The peer's 250 comes before the agent files the set in sent/: wait
	// for that, while the slow set stays.
	wait("only the slow set left in external/", func() bool {
		return slices.Equal(f.list(queue.External), []queue.ID{slowID})
	})
	if len(slow.Sessions()) != 1 || len(slow.Delivered()) != 0 {
		t.Errorf("slow host: %d sessions, %d delivered; want 1 session still hanging", len(slow.Sessions()), len(slow.Delivered()))
	}
}

// TestRunNoMX: without an MX mode, external mail waits and the
// administrator is told once.
func TestRunNoMX(t *testing.T) {
	t.Parallel()
	wake := make(chan struct{})
	f := newFixture(t, nil, func(o *Options) { o.Wake = wake })
	f.start()
	f.put(queue.External, "alice@origin.test", "bob@example.org")
	for range 3 {
		wake <- struct{}{} // unbuffered: received by the agent
	}
	f.put(queue.External, "alice@origin.test", "carol@example.org")
	wake <- struct{}{}
	if n := strings.Count(f.out.String(), "no MX mode is set"); n != 1 {
		t.Errorf("warned %d times:\n%s", n, f.out.String())
	}
	if n := len(f.list(queue.External)); n != 2 {
		t.Errorf("%d sets in external/, want 2", n)
	}
}

// TestRunStops: Run returns when its context ends, even with a delivery
// hanging, after StopGrace; the recipient is left for the next start.
func TestRunStops(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{HangAt: "DATA"})
	f := newFixture(t, p, func(o *Options) {
		o.Timeouts.DataInit = time.Minute
		o.StopGrace = 50 * time.Millisecond
	})
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	ctx, cancel := context.WithCancel(context.Background())
	connected := make(chan struct{})
	f.a.step = func(s string) {
		if s == "connected" {
			close(connected)
		}
	}
	done := make(chan error)
	go func() { done <- f.a.Run(ctx) }()
	<-connected
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	env := f.env(queue.External, id)
	if r := env.Recipients[0]; r.Attempts != 0 || r.Status != queue.StatusPending || len(f.list(queue.Retry)) != 0 {
		t.Errorf("after stopping: %+v, retry %v", r, f.list(queue.Retry))
	}
}

// TestRunLeavesSetsTheMDAOwns: an external set whose source is still in the
// incoming queue (the MDA was stopped between writing it and removing the
// source) is not sent until the source is gone, so the MDA's replay can never
// write it a second time after it was sent.
func TestRunLeavesSetsTheMDAOwns(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Rescan = 20 * time.Millisecond })
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	src := f.env(queue.External, id)
	if err := f.tree.WriteSet(queue.Incoming, src, strings.NewReader(f.body(queue.External, id))); err != nil {
		t.Fatal(err)
	}
	other := f.put(queue.External, "alice@origin.test", "carol@example.org")
	wait := f.start()
	wait("the other set in sent/", func() bool { return slices.Contains(f.list(queue.Sent), other) })
	// Positive control instead of a sleep: a set put now, younger than the
	// held one, is sent by a later rescan, so rescans have passed over the
	// held set and left it alone.
	later := f.put(queue.External, "alice@origin.test", "dave@example.org")
	wait("a later set in sent/", func() bool { return slices.Contains(f.list(queue.Sent), later) })
	if got := p.Delivered(); !slices.Equal(got, []string{"carol@example.org", "dave@example.org"}) {
		t.Fatalf("delivered %v while the MDA still owned the set", got)
	}
	if err := f.tree.Remove(queue.Incoming, id); err != nil {
		t.Fatal(err)
	}
	wait("the set in sent/ once its source is gone", func() bool { return slices.Contains(f.list(queue.Sent), id) })
	if got := p.Delivered(); len(got) != 3 {
		t.Fatalf("delivered %v", got)
	}
}
