package mxa

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// TestServersTried: the MX hosts of a domain are tried in order while
// recipients are open, at most maxAddrs of them in one attempt, and none
// after every recipient has its answer.
func TestServersTried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		peer     *peer
		sessions int
		status   string
	}{
		{"delivered by the first", &peer{}, 1, "delivered"},
		{"all busy", &peer{Greeting: "421 4.3.2 busy"}, maxAddrs, "pending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, tc.peer)
			var records []string
			for i := range maxAddrs + 2 {
				records = append(records, fmt.Sprintf("many.test. 300 IN MX %d mx%d.many.test.", 10*(i+1), i),
					fmt.Sprintf("mx%d.many.test. 300 IN A 127.0.0.1", i))
			}
			dns, _ := dnsFor(t, records...)
			f := newFixture(t, nil, func(o *Options) {
				o.MXA.MX = config.MXRemote
				o.DNS = dns
			})
			f.a.router.mxPort = int(p.Addr.Port())
			id := f.put(queue.External, "alice@origin.test", "a@many.test")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			if n := len(p.Sessions()); n != tc.sessions {
				t.Errorf("%d sessions, want %d", n, tc.sessions)
			}
			folder, rid := queue.Sent, id
			if tc.status == "pending" {
				folder, rid = queue.Retry, id.Derive(1)
			}
			if got := statuses(f.env(folder, rid)); got != "a@many.test="+tc.status {
				t.Errorf("statuses %s", got)
			}
		})
	}
}

// TestRecordsOnce: the recipients' outcomes of an attempt are recorded
// once each: final answers as the session gives them, temporary ones at
// the end; a transaction in which every recipient was deferred records
// nothing during the session, and one in which all got a final answer
// nothing after it.
func TestRecordsOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, rcpt string
		replied    bool
		retries    int
	}{
		{"all deferred", "450 4.2.1 mailbox busy", false, 2},
		{"all delivered", "250 2.1.5 OK", true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Rcpt: func(string) string { return c.rcpt }})
			f := newFixture(t, p, nil)
			var steps []string
			f.a.step = func(s string) { steps = append(steps, s) }
			id := f.put(queue.External, "alice@origin.test", "a@example.org", "b@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			if n := strings.Count(strings.Join(steps, " "), "recorded"); n != 1 || slices.Contains(steps, "replied") != c.replied {
				t.Errorf("steps %v, want one record", steps)
			}
			if got := len(f.list(queue.Retry)); got != c.retries {
				t.Errorf("%d retry copies, want %d", got, c.retries)
			}
		})
	}
}

// TestRecordErrorStopsTheJob: a retry copy that cannot be written ends the
// job with that error, and the set stays where it was, its delivered
// recipient recorded, to be tried again.
func TestRecordErrorStopsTheJob(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{Rcpt: func(a string) string {
		if a == "later@example.org" {
			return "450 4.2.1 mailbox busy"
		}
		return "250 2.1.5 OK"
	}})
	f := newFixture(t, p, nil)
	retry := testDirs(f.dir).Retry
	if err := os.RemoveAll(retry); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(retry, nil, 0o644); err != nil { // no copy can be written there
		t.Fatal(err)
	}
	id := f.put(queue.External, "alice@origin.test", "ok@example.org", "later@example.org")
	res := f.run(queue.External, id)
	if res.err == nil || !strings.Contains(res.err.Error(), "write "+string(id.Derive(2))) {
		t.Errorf("run: %v, want the failed write of the copy %s", res.err, id.Derive(2))
	}
	if got := statuses(f.env(queue.External, id)); got != "ok@example.org=delivered later@example.org=pending" {
		t.Errorf("statuses %s", got)
	}
}
