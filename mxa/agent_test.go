package mxa

import (
	"context"
	"os"
	"path/filepath"
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

// TestNewNeedsDNS: a [LocalMX] entry with host "*" (look the domain's MX up)
// needs a DNS server; named hosts do not.
func TestNewNeedsDNS(t *testing.T) {
	t.Parallel()
	base := newFixture(t, nil, nil).a.opt
	for _, tc := range []struct {
		host    string
		wantErr bool
	}{{"*", true}, {"127.0.0.1", false}} {
		opt := base
		opt.DNS = nil
		opt.MXA.MX = config.MXLocal
		opt.LocalMX = []config.MXRoute{{Domain: "example.org", Host: tc.host, Port: 25}}
		if _, err := New(opt); (err != nil) != tc.wantErr {
			t.Errorf("host %q without DNS: err %v, want an error %v", tc.host, err, tc.wantErr)
		}
	}
}

// TestStopGraceDefault: without a StopGrace, deliveries in progress get ten
// seconds to finish when the agent stops, not none.
func TestStopGraceDefault(t *testing.T) {
	t.Parallel()
	for _, g := range []time.Duration{0, -time.Second} {
		f := newFixture(t, nil, func(o *Options) { o.StopGrace = g })
		if got := f.a.opt.StopGrace; got != 10*time.Second {
			t.Errorf("StopGrace %s became %s, want 10s", g, got)
		}
	}
}

// putRetry writes a retry copy as the agent writes it (<id>-1, the one
// recipient due at due, or with status st) and returns its id.
func (f *fixture) putRetry(due time.Time, st queue.Status) queue.ID {
	f.t.Helper()
	base := f.put(queue.External, "alice@origin.test", "bob@example.org")
	env := f.env(queue.External, base)
	env.ID = base.Derive(1)
	env.Recipients[0].Next, env.Recipients[0].Attempts, env.Recipients[0].Status = due.UTC(), 1, st
	if err := f.tree.WriteSet(queue.Retry, env, strings.NewReader(f.body(queue.External, base))); err != nil {
		f.t.Fatal(err)
	}
	if err := f.tree.Remove(queue.External, base); err != nil {
		f.t.Fatal(err)
	}
	return env.ID
}

// TestDueTimes: the index built at start has each set's own due time, for
// more sets than readers; a set whose envelope cannot be read is due now.
func TestDueTimes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	now := time.Now().Truncate(time.Second)
	var ids []queue.ID
	want := map[queue.ID]time.Time{}
	for i := range 2*indexReaders + 3 {
		due := now.Add(time.Duration(i+1) * time.Hour)
		id := f.putRetry(due, queue.StatusPending)
		ids, want[id] = append(ids, id), due
	}
	gone := queue.ID("20200101000000000000000-1")
	ids, want[gone] = append(ids, gone), now
	got := f.a.dueTimes(ids, now)
	for i, id := range ids {
		if !got[i].Equal(want[id]) {
			t.Errorf("set %d (%s) due %s, want %s", i, id, got[i], want[id])
		}
	}
}

// TestDueTime: the earliest next= of the pending recipients; recipients
// done (delivered or failed) do not count.
func TestDueTime(t *testing.T) {
	t.Parallel()
	now := time.Now()
	past, soon, later := now.Add(-time.Hour), now.Add(time.Hour), now.Add(2*time.Hour)
	rc := func(st queue.Status, next time.Time) queue.Recipient { return queue.Recipient{Status: st, Next: next} }
	tests := []struct {
		name  string
		rcpts []queue.Recipient
		want  time.Time
	}{
		{"earliest pending", []queue.Recipient{rc(queue.StatusPending, later), rc(queue.StatusPending, soon)}, soon},
		{"overdue", []queue.Recipient{rc(queue.StatusPending, soon), rc(queue.StatusPending, past)}, now},
		{"done ones do not count", []queue.Recipient{rc(queue.StatusDelivered, past), rc(queue.StatusPending, later), rc(queue.StatusFailed, soon)}, later},
		{"none pending", []queue.Recipient{rc(queue.StatusDelivered, later)}, now},
	}
	for _, tc := range tests {
		if got := dueTime(&queue.Envelope{Recipients: tc.rcpts}, now); !got.Equal(tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestRunNoMXCounts: the warning counts the sets of external/ and retry/
// together, and an empty queue gives no warning.
func TestRunNoMXCounts(t *testing.T) {
	t.Parallel()
	empty := newFixture(t, nil, nil)
	if empty.a.warnWaiting() || strings.Contains(empty.out.String(), "no MX mode") {
		t.Errorf("warned with nothing waiting:\n%s", empty.out.String())
	}
	f := newFixture(t, nil, nil)
	f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.putRetry(time.Now().Add(time.Hour), queue.StatusPending)
	if !f.a.warnWaiting() || !strings.Contains(f.out.String(), "2 message(s) for other domains are waiting") {
		t.Errorf("console:\n%s", f.out.String())
	}
}

// TestRunEmptyRetry: with nothing in retry/ at start, no index line is
// logged.
func TestRunEmptyRetry(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Rescan = 20 * time.Millisecond })
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	wait := f.start()
	wait("the set in sent/", func() bool { return slices.Contains(f.list(queue.Sent), id) })
	if strings.Contains(f.out.String(), "waiting in retry/") {
		t.Errorf("console:\n%s", f.out.String())
	}
}

// TestRunWorkers: with one worker, a set waits while another is being sent:
// the second server hears from the agent only after the first job ended.
func TestRunWorkers(t *testing.T) {
	t.Parallel()
	var finished atomic.Int32
	var overlap atomic.Bool
	slow := startPeer(t, &peer{Hang: true})
	fast := startPeer(t, &peer{Mail: func(string) string {
		if finished.Load() == 0 {
			overlap.Store(true)
		}
		return "250 2.1.0 OK"
	}})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.MXA.Workers = 1
		o.LocalMX = []config.MXRoute{
			{Domain: "slow.test", Host: "127.0.0.1", Port: int(slow.Addr.Port())},
			{Domain: "fast.test", Host: "127.0.0.1", Port: int(fast.Addr.Port())},
		}
		o.Timeouts.Greeting = 300 * time.Millisecond // ends the slow job
		o.Rescan = 20 * time.Millisecond
	})
	f.a.onFinish = func() { finished.Add(1) }
	f.put(queue.External, "alice@origin.test", "a@slow.test")
	wait := f.start()
	wait("a session with the slow host", func() bool { return len(slow.Sessions()) == 1 })
	f.put(queue.External, "alice@origin.test", "b@fast.test")
	wait("the fast set sent", func() bool { return len(fast.Delivered()) == 1 })
	if overlap.Load() {
		t.Error("the second set was sent while the only worker was busy with the first")
	}
}

// TestRunBusyWaits: while every worker is busy, a set due later arms no
// timer: Run sleeps until a job ends or it is woken, and reading the clock
// after a wake-up would mean it loops instead.
func TestRunBusyWaits(t *testing.T) {
	t.Parallel()
	slow := startPeer(t, &peer{Hang: true})
	wake := make(chan struct{})
	f := newFixture(t, slow, func(o *Options) {
		o.MXA.Workers = 1
		o.Wake = wake
		o.Rescan = time.Hour
		o.Timeouts.Greeting = time.Minute
		o.StopGrace = time.Millisecond
	})
	var clock atomic.Int32
	f.a.now = func() time.Time { clock.Add(1); return time.Now() }
	f.putRetry(time.Now().Add(time.Hour), queue.StatusPending)
	f.put(queue.External, "alice@origin.test", "bob@example.org")
	wait := f.start()
	wait("a session with the hanging host", func() bool { return len(slow.Sessions()) == 1 })
	clock.Store(0)
	wake <- struct{}{}
	wake <- struct{}{} // unbuffered: the first wake-up's pass is over
	if n := clock.Load(); n != 0 {
		t.Errorf("the clock was read %d times after a wake-up with the only worker busy", n)
	}
}

// TestScanReadsIncomingOnlyForSets: the incoming queue is read only to hold
// back external sets the MDA still owns; with external/ empty a scan does
// not read it, so an unreadable incoming/ is reported only when it matters.
func TestScanReadsIncomingOnlyForSets(t *testing.T) {
	t.Parallel()
	base := newFixture(t, nil, nil)
	dirs := testDirs(t.TempDir())
	dirs.External = filepath.Join(filepath.Dir(dirs.Incoming), "external-elsewhere")
	tree, err := queue.Open(dirs)
	if err != nil {
		t.Fatal(err)
	}
	opt := base.a.opt
	opt.Tree = tree
	a, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, tree: tree, a: a, out: base.out}
	if err := os.RemoveAll(dirs.Incoming); err != nil {
		t.Fatal(err)
	}
	s := newSched()
	f.a.scan(s)
	if strings.Contains(f.out.String(), "cannot list the incoming queue") || s.Len() != 0 {
		t.Fatalf("scan of an empty external/:\n%s", f.out.String())
	}
	f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.a.scan(s)
	if !strings.Contains(f.out.String(), "cannot list the incoming queue") || s.Len() != 0 {
		t.Errorf("scan with a set and no incoming/ (%d sets taken):\n%s", s.Len(), f.out.String())
	}
}
