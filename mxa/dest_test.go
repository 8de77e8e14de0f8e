package mxa

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// TestRunTarpit: a destination whose server accepts connections and never
// answers (a tarpit) holds at most MaxConnectionsPerDestination workers
// (the default, 2 of 4); the mail queued after its sets, for a healthy
// destination, is all delivered while the tarpit still holds its two
// connections, and the tarpit's other sets wait in external/ without being
// deferred.
func TestRunTarpit(t *testing.T) {
	t.Parallel()
	tarpit := startPeer(t, &peer{Hang: true})
	healthy := startPeer(t, &peer{})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.LocalMX = []config.MXRoute{
			{Domain: "tarpit.test", Host: "127.0.0.1", Port: int(tarpit.Addr.Port())},
			{Domain: "healthy.test", Host: "127.0.0.1", Port: int(healthy.Addr.Port())},
		}
		o.Timeouts.Greeting = 10 * time.Minute // as slow as a tarpit gets
		o.Timeouts.Session = 10 * time.Minute
		o.StopGrace = time.Millisecond
	})
	if f.a.workers != 4 || f.a.dests.max != 2 {
		t.Fatalf("workers %d, limit %d: the defaults changed", f.a.workers, f.a.dests.max)
	}
	// The tarpit's sets come first in the queue.
	var stuck []queue.ID
	for i := range 6 {
		stuck = append(stuck, putNth(f, i, "t"+string(rune('a'+i))+"@tarpit.test"))
	}
	for i := range 4 {
		putNth(f, 6+i, "h"+string(rune('a'+i))+"@healthy.test")
	}
	wait := f.start()
	wait("the healthy mail sent and filed, or a third tarpit connection", func() bool {
		return len(tarpit.Sessions()) > 2 || len(healthy.Delivered()) == 4 && len(f.list(queue.External)) == len(stuck)
	})
	if n := len(tarpit.Sessions()); n != 2 {
		t.Fatalf("the tarpit holds %d connections, want 2 (MaxConnectionsPerDestination); healthy got %v", n, healthy.Delivered())
	}
	if got := healthy.Delivered(); len(got) != 4 {
		t.Fatalf("healthy got %v", got)
	}
	if ext := f.list(queue.External); !slices.Equal(ext, stuck) {
		t.Errorf("external/ holds %v, want the tarpit's six sets %v", ext, stuck)
	}
	if r := f.list(queue.Retry); len(r) != 0 {
		t.Errorf("sets deferred to retry/ instead of waiting: %v", r)
	}
}

// TestDestinationQueueWaitsItsTurn: three sets for one slow but working
// destination with room for two: the third waits, is not deferred, and is
// sent as soon as one of the others is done. One of the sets also has a
// recipient elsewhere, delivered at once and exactly once, whichever of
// its destinations was full.
func TestDestinationQueueWaitsItsTurn(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	var open sync.Once
	release := func() { open.Do(func() { close(gate) }) }
	var mu sync.Mutex
	inData, most := 0, 0
	slow := startPeer(t, &peer{DataEnd: func(*peerSession) string {
		mu.Lock()
		inData++
		most = max(most, inData)
		mu.Unlock()
		<-gate
		mu.Lock()
		inData--
		mu.Unlock()
		return "250 2.0.0 queued"
	}})
	fast := startPeer(t, &peer{})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.LocalMX = []config.MXRoute{
			{Domain: "slow.test", Host: "127.0.0.1", Port: int(slow.Addr.Port())},
			{Domain: "fast.test", Host: "127.0.0.1", Port: int(fast.Addr.Port())},
		}
		o.Timeouts.DataEnd = 10 * time.Minute
		o.Rescan = 20 * time.Millisecond
	})
	putNth(f, 0, "a@slow.test")
	putNth(f, 1, "b@slow.test")
	wait := f.start()
	t.Cleanup(release) // runs first: the agent's and the peer's clean-ups wait for the sessions
	inProgress := func() int {
		mu.Lock()
		defer mu.Unlock()
		return inData
	}
	wait("two deliveries in progress", func() bool { return inProgress() == 2 })
	putNth(f, 2, "c@slow.test", "d@fast.test") // it finds slow.test full
	wait("the third set waiting, or a third delivery", func() bool {
		return inProgress() > 2 || strings.Contains(f.out.String(), "c@slow.test waits for one to end")
	})
	if n := len(slow.Sessions()); n != 2 {
		t.Fatalf("%d connections to slow.test, want 2", n)
	}
	wait("d@fast.test sent while c@slow.test waits", func() bool { return len(fast.Delivered()) == 1 })
	release()
	wait("all three sent and filed", func() bool { return len(f.list(queue.Sent)) == 3 })
	mu.Lock() // the peer's handler of the last delivery may still be ending
	atOnce := most
	mu.Unlock()
	if atOnce != 2 {
		t.Errorf("at most %d deliveries at once, want 2", atOnce)
	}
	got := slow.Delivered()
	slices.Sort(got)
	if !slices.Equal(got, []string{"a@slow.test", "b@slow.test", "c@slow.test"}) || !slices.Equal(fast.Delivered(), []string{"d@fast.test"}) {
		t.Errorf("slow.test got %v, fast.test %v", got, fast.Delivered())
	}
	if r := f.list(queue.Retry); len(r) != 0 {
		t.Errorf("deferred to retry/ instead of waiting: %v", r)
	}
}

// putNth writes the n-th set of a test into external/, with an id that
// sorts after those of the sets before it (ids sort by time).
func putNth(f *fixture, n int, rcpts ...string) queue.ID {
	f.t.Helper()
	env := &queue.Envelope{ID: queue.NewID(time.Now().Add(time.Duration(n-3600) * time.Second)), From: "alice@origin.test"}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, queue.Recipient{Addr: r})
	}
	if err := f.tree.WriteSet(queue.External, env, strings.NewReader(testMessage(n))); err != nil {
		f.t.Fatal(err)
	}
	return env.ID
}
