package mxa

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/queue"
)

// TestDestLimitSlots: each destination has max slots of its own; a slot
// given back is free again, and only the slots taken are counted. With no
// limit every acquire succeeds and there is always room.
func TestDestLimitSlots(t *testing.T) {
	t.Parallel()
	d := newDestLimit(2)
	steps := []struct {
		op, key string
		want    any // acquire: bool; free: int
	}{
		{"free", "a", 2},
		{"acquire", "a", true},
		{"free", "a", 1},
		{"acquire", "a", true},
		{"acquire", "a", false},
		{"free", "a", 0},
		{"free", "b", 2},
		{"acquire", "b", true},
		{"release", "a", nil},
		{"free", "a", 1},
		{"acquire", "a", true},
		{"acquire", "a", false},
		{"release", "a", nil},
		{"release", "a", nil},
		{"free", "a", 2},
		{"free", "b", 1},
	}
	for i, st := range steps {
		var got any
		switch st.op {
		case "acquire":
			got = d.acquire(st.key)
		case "free":
			got = d.free(st.key)
		case "release":
			d.release(st.key)
		}
		if got != st.want {
			t.Fatalf("step %d, %s(%s) = %v, want %v", i, st.op, st.key, got, st.want)
		}
	}

	none := newDestLimit(0)
	for range 3 {
		if !none.acquire("a") {
			t.Fatal("no limit, but acquire failed")
		}
	}
	if n := none.free("a"); n < 1 {
		t.Fatalf("no limit, but free = %d", n)
	}
}

// TestUnparkOldestFirst: sets parked on a full destination are made ready,
// oldest first, as many as it has room for; the others wait for the next
// delivery there to end, and a destination without room keeps all its sets.
func TestUnparkOldestFirst(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := newSched()
	var ids []queue.ID
	for n := range 3 {
		id := queue.ID(fmt.Sprintf("20250101120000%08d", n))
		ids = append(ids, id)
		s.park(&item{folder: queue.External, id: id}, "full.test", nil)
	}
	s.park(&item{folder: queue.External, id: "2025010112000099999999"}, "other.test", nil)
	room := map[string]int{"full.test": 0, "other.test": 0}
	free := func(dest string) int { return room[dest] }
	ready := func() []queue.ID {
		var got []queue.ID
		for it := s.next(now); it != nil; it = s.next(now) {
			got = append(got, it.id)
		}
		return got
	}

	s.unpark(free)
	if got := ready(); len(got) != 0 {
		t.Fatalf("no room anywhere, yet %v ran", got)
	}
	room["full.test"] = 2
	s.unpark(free)
	if got := ready(); !slices.Equal(got, ids[:2]) {
		t.Fatalf("room for two: %v ran, want %v", got, ids[:2])
	}
	room["full.test"] = 1
	s.unpark(free)
	if got := ready(); !slices.Equal(got, ids[2:]) {
		t.Fatalf("room for one more: %v ran, want %v", got, ids[2:])
	}
	s.unpark(free)
	if got := ready(); len(got) != 0 {
		t.Fatalf("every set of full.test ran already, yet %v ran again", got)
	}
}

// TestDueTieByID: retry sets due at the same instant run in the order of
// their ids, which is the order the messages came in.
func TestDueTieByID(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	s := newSched()
	const first, second = queue.ID("2025010112000011111111"), queue.ID("2025010112000022222222")
	for _, id := range []queue.ID{second.Derive(1), first.Derive(1)} {
		s.add(&item{folder: queue.Retry, id: id, due: now.Add(-time.Minute)})
	}
	var got []queue.ID
	for it := s.next(now); it != nil; it = s.next(now) {
		got = append(got, it.id)
	}
	if want := []queue.ID{first.Derive(1), second.Derive(1)}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}

// TestRunParkedSetRuns: a set that found its destination full waits for the
// delivery there to end and is then sent at once, without waiting for a
// rescan or a wake-up.
func TestRunParkedSetRuns(t *testing.T) {
	t.Parallel()
	hold := make(chan struct{})
	var mails atomic.Int32
	p := startPeer(t, &peer{Mail: func(string) string {
		if mails.Add(1) == 1 {
			<-hold
		}
		return "250 2.1.0 OK"
	}})
	var finished atomic.Int32
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.MXA.Workers, o.MXA.MaxConnectionsPerDestination = 2, 1
		o.LocalMX = []config.MXRoute{{Domain: "example.org", Host: "127.0.0.1", Port: int(p.Addr.Port())}}
		o.Rescan = time.Hour // only Run's first scan finds the sets
	})
	f.a.onFinish = func() { finished.Add(1) }
	first := f.put(queue.External, "alice@origin.test", "bob@example.org")
	second := f.put(queue.External, "alice@origin.test", "carol@example.org")
	wait := f.start()
	wait("one set at MAIL, the other found the destination full", func() bool {
		return mails.Load() == 1 && finished.Load() == 1
	})
	close(hold)
	wait("both sets in sent/", func() bool {
		sent := f.list(queue.Sent)
		return slices.Contains(sent, first) && slices.Contains(sent, second)
	})
}

// TestUnroutableTakesNoSlot: a destination that cannot be routed (no
// [LocalMX] entry) connects nowhere, so it takes no delivery slot: its sets
// get their reason at once even while another of them is held up.
func TestUnroutableTakesNoSlot(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.MXA.Workers, o.MXA.MaxConnectionsPerDestination = 2, 1
		o.LocalMX = []config.MXRoute{{Domain: "elsewhere.test", Host: "127.0.0.1", Port: 25}}
		o.Chaos = sendPlan(t, 5, "a@nowhere.test SEND delay 1h")
	})
	held := f.put(queue.External, "alice@origin.test", "a@nowhere.test")
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- f.a.run(context.Background(), sctx, queue.External, held) }()
	defer func() { stop(); <-done }()
	wait := func(what string, cond func() bool) {
		t.Helper()
		testutil.EventuallyShow(t, what, cond, f.out.String)
	}
	wait("the first set held by chaos", func() bool { return logged(f.out.String(), string(held), "chaos") })
	id := f.put(queue.External, "alice@origin.test", "b@nowhere.test")
	if res := f.run(queue.External, id); res.err != nil || res.blocked != "" {
		t.Fatalf("run: %+v, want the set done, not waiting for a slot", res)
	}
	if r := f.env(queue.Retry, id.Derive(1)).Recipients[0]; !strings.Contains(r.Result, "no [LocalMX] entry") {
		t.Errorf("recipient %+v", r)
	}
}
