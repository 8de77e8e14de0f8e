package mxa

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/queue"
)

// TestHostCacheHang: of three sets for a server that says nothing, only the
// first waits for the greeting; the others are deferred at once, until the
// hold ends, while a set for another server goes through.
func TestHostCacheHang(t *testing.T) {
	t.Parallel()
	slow := startPeer(t, &peer{Hang: true})
	fast := startPeer(t, &peer{})
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX = config.MXLocal
		o.MXA.RetryInterval = time.Hour // the hold is capped at maxHold
		o.LocalMX = []config.MXRoute{
			{Domain: "slow.test", Host: "127.0.0.1", Port: int(slow.Addr.Port())},
			{Domain: "fast.test", Host: "127.0.0.1", Port: int(fast.Addr.Port())},
		}
	})
	now := time.Now()
	f.a.now = func() time.Time { return now }
	var ids []queue.ID
	for _, r := range []string{"a@slow.test", "b@slow.test", "c@fast.test", "d@slow.test"} {
		ids = append(ids, f.put(queue.External, "alice@origin.test", r))
	}
	for i, id := range ids {
		start := time.Now()
		if res := f.run(queue.External, id); res.err != nil {
			t.Fatal(res.err)
		}
		if i > 0 && i != 2 && time.Since(start) > time.Second {
			t.Errorf("set %d waited %s for a server known not to answer", i, time.Since(start))
		}
	}
	if n := len(slow.Sessions()); n != 1 {
		t.Errorf("%d sessions with the silent server, want 1", n)
	}
	if got := fast.Delivered(); len(got) != 1 || got[0] != "c@fast.test" {
		t.Errorf("fast server got %v", got)
	}
	first := f.env(queue.Retry, ids[0].Derive(1)).Recipients[0].Result
	if !strings.Contains(first, "timed out waiting for the greeting") {
		t.Errorf("first result %q", first)
	}
	for _, id := range []queue.ID{ids[1], ids[3]} {
		r := f.env(queue.Retry, id.Derive(1)).Recipients[0].Result
		if !strings.Contains(r, "4.4.1") || !strings.Contains(r, "did not answer lately") {
			t.Errorf("%s: result %q, want a deferral without a connection", id, r)
		}
	}

	// After the hold (and the retry interval) the server is tried again.
	retry := ids[1].Derive(1)
	f.a.now = func() time.Time { return now.Add(2 * time.Hour) }
	if res := f.run(queue.Retry, retry); res.err != nil {
		t.Fatal(res.err)
	}
	if n := len(slow.Sessions()); n != 2 {
		t.Errorf("%d sessions with the silent server after the hold, want 2", n)
	}
}

// TestHostCacheCounts: which failures mark a server as not answering.
func TestHostCacheCounts(t *testing.T) {
	t.Parallel()
	addr := netip.MustParseAddrPort("192.0.2.1:25")
	for _, tc := range []struct {
		name string
		err  error
		down bool
	}{
		{"refused", local("4.4.1", "connection refused"), true},
		{"timeout", local("4.4.2", "timed out waiting for the greeting"), true},
		{"421 greeting", &Reply{Code: 421, Enh: "4.3.2", Host: "mx[192.0.2.1]"}, false},
		{"TLS failed", &tlsError{local("4.7.5", "handshake")}, false},
		{"login refused", local("4.7.8", "refused the login"), false},
		{"other", errors.New("something"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newHostCache(time.Minute, time.Now)
			c.result(addr, tc.err)
			if got := c.check("mx", addr) != nil; got != tc.down {
				t.Errorf("down %v, want %v", got, tc.down)
			}
			c.result(addr, nil) // a session that opened clears the mark
			if c.check("mx", addr) != nil {
				t.Error("still down after a good session")
			}
		})
	}
}

// TestHostCacheDataHang: a server that stops answering after the data also
// counts: the next set for it does not wait for the same timeout.
func TestHostCacheDataHang(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{HangAt: "DATA-END"})
	f := newFixture(t, p, nil)
	first := f.put(queue.External, "alice@origin.test", "a@example.org")
	second := f.put(queue.External, "alice@origin.test", "b@example.org")
	for _, id := range []queue.ID{first, second} {
		if res := f.run(queue.External, id); res.err != nil {
			t.Fatal(res.err)
		}
	}
	if n := len(p.Sessions()); n != 1 {
		t.Errorf("%d sessions, want 1", n)
	}
	if r := f.env(queue.Retry, second.Derive(1)).Recipients[0].Result; !strings.Contains(r, "did not answer lately") {
		t.Errorf("second set: %q", r)
	}
}
