package mxa

import (
	"context"
	"strings"
	"testing"
	"time"

	"mailq/chaos"
	"mailq/config"
	"mailq/queue"
)

func sendPlan(t testing.TB, seed uint64, rules ...string) *chaos.Plan {
	t.Helper()
	p, err := chaos.FromRules(seed, rules...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestChaosSend: SEND rules fail an attempt as the remote would, without
// a session; the set then takes the usual path (retry copy, failed/ with a
// notice), and a rule that does not match leaves delivery alone.
func TestChaosSend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rule     string
		sessions int
		status   string
		where    queue.Folder // -1: still in external/ (deferred)
		retries  int
		result   string
	}{
		{"temporary", "*@example.org SEND 451 4.4.1 Pretend it is down", 0, "pending", -1, 1, "451 4.4.1 Pretend it is down"},
		{"permanent", "bob@* SEND 550 5.7.1 Refused on purpose", 0, "failed", queue.Failed, 0, "550 5.7.1 Refused on purpose"},
		{"drop", "* SEND drop", 0, "pending", -1, 1, "the connection was dropped (chaos Rule1)"},
		{"hang", "* SEND hang", 0, "pending", -1, 1, "no answer (chaos Rule1)"},
		{"no match", "*@example.net SEND 550 5.7.1 Refused", 1, "delivered", queue.Sent, 0, "250"},
		{"delay, then delivered", "* SEND delay 10ms", 1, "delivered", queue.Sent, 0, "250"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{})
			f := newFixture(t, p, func(o *Options) { o.Chaos = sendPlan(t, 5, tc.rule) })
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			if n := len(p.Sessions()); n != tc.sessions {
				t.Errorf("%d sessions, want %d", n, tc.sessions)
			}
			if n := len(f.list(queue.Retry)); n != tc.retries {
				t.Errorf("%d retry copies, want %d", n, tc.retries)
			}
			var env *queue.Envelope
			if tc.where < 0 {
				env = f.env(queue.Retry, f.list(queue.Retry)[0]) // the set itself is gone
			} else {
				env = f.env(tc.where, id)
			}
			if r := env.Recipients[0]; r.Status.String() != tc.status || !strings.Contains(r.Result, tc.result) {
				t.Errorf("recipient %+v, want %s with %q", r, tc.status, tc.result)
			}
			if tc.status == "failed" && len(f.list(queue.Incoming)) != 1 {
				t.Errorf("no failure notice in the incoming queue")
			}
			if tc.sessions == 0 && !strings.Contains(f.out.String(), "chaos Rule1") {
				t.Errorf("decision not logged:\n%s", f.out.String())
			}
		})
	}
}

// TestChaosSendRetry: "1x" fails the first attempt only; the retry copy's
// attempt goes through to the server.
func TestChaosSendRetry(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Chaos = sendPlan(t, 5, "* SEND 1x 451 4.4.1 First time unlucky") })
	id := f.put(queue.External, "alice@origin.test", "bob@example.org")
	f.run(queue.External, id)
	copies := f.list(queue.Retry)
	if len(copies) != 1 || len(p.Sessions()) != 0 {
		t.Fatalf("after the first attempt: retry %v, %d sessions", copies, len(p.Sessions()))
	}
	f.a.now = func() time.Time { return time.Now().Add(time.Hour) } // the copy is due
	if res := f.run(queue.Retry, copies[0]); res.err != nil {
		t.Fatal(res.err)
	}
	if len(p.Sessions()) != 1 || len(f.list(queue.Sent)) != 1 {
		t.Errorf("after the retry: %d sessions, sent %v", len(p.Sessions()), f.list(queue.Sent))
	}
}

// TestChaosSendSeed: with a share below 100%, each set's first attempt
// fails exactly when the plan, from the seed, says it does.
func TestChaosSendSeed(t *testing.T) {
	t.Parallel()
	const rule = "* SEND 50% 451 4.4.1 Coin says no"
	p := startPeer(t, &peer{})
	f := newFixture(t, p, func(o *Options) { o.Chaos = sendPlan(t, 99, rule) })
	plan := sendPlan(t, 99, rule)
	failed := 0
	for range 16 {
		id := f.put(queue.External, "alice@origin.test", "bob@example.org")
		f.run(queue.External, id)
		key := attemptKey(string(id), f.a.router.route(context.Background(), "example.org").key, 1)
		want := plan.Stream(key).Decide(config.StageSend, "bob@example.org").Final != nil
		got := len(f.list(queue.Sent)) == 0 || !contains(f.list(queue.Sent), id)
		if got != want {
			t.Errorf("set %s: failed=%v, the plan says %v", id, got, want)
		}
		if got {
			failed++
		}
	}
	if failed == 0 || failed == 16 {
		t.Errorf("%d of 16 failed: the share is not applied", failed)
	}
}

func contains(ids []queue.ID, id queue.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestChaosSendStopping: an agent stopping during a SEND delay records
// nothing for the attempt, even when a rule would then refuse it; without
// a delay the refusal is recorded, stopping or not.
func TestChaosSendStopping(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		rules  []string
		status string
	}{
		{"delay, then refused", []string{"* SEND delay 1h", "* SEND 550 5.7.1 Refused on purpose"}, "pending"},
		{"refused at once", []string{"* SEND 550 5.7.1 Refused on purpose"}, "failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{})
			f := newFixture(t, p, func(o *Options) { o.Chaos = sendPlan(t, 5, c.rules...) })
			stopped, cancel := context.WithCancel(context.Background())
			cancel()
			for range 10 { // a wrong wait would pick the stop only half the time
				id := f.put(queue.External, "alice@origin.test", "bob@example.org")
				f.a.run(context.Background(), stopped, queue.External, id)
				folder := queue.Retry // filed to wait: the attempt did not count
				if c.status == "failed" {
					folder = queue.Failed
				}
				if r := f.env(folder, id).Recipients[0]; r.Status.String() != c.status || r.Attempts != 0 && c.status == "pending" {
					t.Fatalf("recipient %+v, want %s", r, c.status)
				}
			}
			if n := len(p.Sessions()); n != 0 {
				t.Errorf("%d sessions while stopping", n)
			}
		})
	}
}
