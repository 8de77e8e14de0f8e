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
	// Ids sort by time: the tarpit's sets come first in the queue.
	first := time.Now().Add(-time.Hour)
	put := func(i int, rcpt string) queue.ID {
		env := &queue.Envelope{ID: queue.NewID(first.Add(time.Duration(i) * time.Second)), From: "alice@origin.test",
			Recipients: []queue.Recipient{{Addr: rcpt}}}
		if err := f.tree.WriteSet(queue.External, env, strings.NewReader(testMessage(i))); err != nil {
			t.Fatal(err)
		}
		return env.ID
	}
	var stuck []queue.ID
	for i := range 6 {
		stuck = append(stuck, put(i, "t"+string(rune('a'+i))+"@tarpit.test"))
	}
	for i := range 4 {
		put(6+i, "h"+string(rune('a'+i))+"@healthy.test")
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
// sent as soon as one of the others is done.
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
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.LocalMX = []config.MXRoute{{Domain: "slow.test", Host: "127.0.0.1", Port: int(slow.Addr.Port())}}
		o.Timeouts.DataEnd = 10 * time.Minute
	})
	for _, r := range []string{"a@slow.test", "b@slow.test", "c@slow.test"} {
		f.put(queue.External, "alice@origin.test", r)
	}
	wait := f.start()
	t.Cleanup(release) // runs first: the agent's and the peer's clean-ups wait for the sessions
	wait("two deliveries in progress and the third set waiting, or a third delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inData > 2 || inData == 2 && strings.Contains(f.out.String(), "waits for one to end")
	})
	if n := len(slow.Sessions()); n != 2 {
		t.Fatalf("%d connections to slow.test, want 2", n)
	}
	release()
	wait("all three sent", func() bool { return len(slow.Delivered()) == 3 })
	if most != 2 {
		t.Errorf("at most %d deliveries at once, want 2", most)
	}
	if r := f.list(queue.Retry); len(r) != 0 {
		t.Errorf("deferred to retry/ instead of waiting: %v", r)
	}
}
