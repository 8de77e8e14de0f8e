//go:build unix

package mxa

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/queue"
)

// stageLegacy stages the failure notice of set id in retry/ as a mailq
// before queue format version 3 did: under dsn.ID, with no notice field in
// its .auth, its set named only by the X-Mailq-Queue-ID of its report.
func stageLegacy(t *testing.T, f *fixture, folder queue.Folder, id queue.ID) queue.ID {
	t.Helper()
	n := &dsn.Notice{ID: dsn.ID(id), HostName: "mx.test", Env: f.env(folder, id), Now: time.Now(),
		Failed: []dsn.Recipient{{Addr: "bad@a.test", Status: "5.1.1", Diagnostic: "550 5.1.1 no such user"}}}
	env, msg := n.Set()
	if err := f.tree.WriteSet(queue.Retry, env, bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	return n.ID
}

// TestCrashLegacyNotice: a tree written by an older mailq, which staged
// failure notices in retry/, still sends each exactly once after an
// upgrade, through a crash at every step after the set's filing: with the
// set still to be filed (the crash came between staging and filing), and
// with the set filed already (between filing and releasing).
func TestCrashLegacyNotice(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts many processes")
	}
	for _, filed := range []bool{false, true} {
		for _, step := range []string{"", "archived", "bounced"} {
			if filed && step != "" {
				continue // no job of the set runs, so no such step
			}
			t.Run(fmt.Sprintf("filed=%v-crash=%q", filed, step), func(t *testing.T) {
				t.Parallel()
				pa, _ := crashPeers(t)
				dir := t.TempDir()
				f := newFixtureIn(t, dir, nil, nil)
				id := f.put(queue.External, "alice@origin.test", "one@a.test", "bad@a.test")
				n := stageLegacy(t, f, queue.External, id)
				if filed {
					if err := f.tree.Move(id, queue.External, queue.Failed); err != nil {
						t.Fatal(err)
					}
				}
				port := strconv.Itoa(int(pa.Addr.Port()))
				if step != "" {
					runChild(t, dir, port, step, 1, true)
				}
				runChild(t, dir, port, "", 0, false)
				if ext, retry := f.list(queue.External), f.list(queue.Retry); len(ext)+len(retry) != 0 {
					t.Fatalf("left: external %v retry %v", ext, retry)
				}
				if in := f.list(queue.Incoming); !slices.Equal(in, []queue.ID{n}) {
					t.Errorf("incoming %v; want only the staged notice %s", in, n)
				}
				if env := f.env(queue.Incoming, n); !env.Notice.IsZero() {
					t.Errorf("the released notice names %v; want the staged one, unchanged", env.Notice)
				}
				if failed := f.list(queue.Failed); !slices.Equal(failed, []queue.ID{id}) {
					t.Errorf("failed/ holds %v; want %s", failed, id)
				}
			})
		}
	}
}

// TestReleaseStagedFiled: a notice an older mailq staged for a set that is
// filed already is moved into the incoming queue by its own job, which
// says so and wakes the MDA.
func TestReleaseStagedFiled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	id := f.put(queue.External, "alice@origin.test", "bad@a.test")
	n := stageLegacy(t, f, queue.External, id)
	if err := f.tree.Move(id, queue.External, queue.Failed); err != nil {
		t.Fatal(err)
	}
	if res := f.run(queue.Retry, n); res.err != nil || !res.bounced {
		t.Fatalf("run: %+v, want the MDA woken", res)
	}
	if in := f.list(queue.Incoming); !slices.Equal(in, []queue.ID{n}) {
		t.Errorf("incoming %v, want %s", in, n)
	}
	if !strings.Contains(f.out.String(), "failure notice "+string(n)+" moved into the queue") {
		t.Errorf("console:\n%s", f.out.String())
	}
}

// TestNoticeSourceFirstField: the first X-Mailq-Queue-ID field decides
// whether a set of retry/ is a staged notice: an empty one makes it none,
// whatever follows.
func TestNoticeSourceFirstField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, nil)
	src := queue.NewID(time.Now())
	for _, c := range []struct {
		field string
		want  queue.ID
	}{
		{"X-Mailq-Queue-ID: " + string(src), src},
		{"X-Mailq-Queue-ID:", ""},
	} {
		env := &queue.Envelope{ID: dsn.ID(src), Recipients: []queue.Recipient{{Addr: "alice@origin.test"}}}
		body := "Subject: report\r\n\r\n" + c.field + "\r\nX-Mailq-Queue-ID: " + string(src) + "\r\n"
		if err := f.tree.WriteSet(queue.Retry, env, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		if got, err := f.a.noticeSource(env.ID); err != nil || got != c.want {
			t.Errorf("first field %q: %q, %v; want %q", c.field, got, err, c.want)
		}
		if err := f.tree.Remove(queue.Retry, env.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStagedNoticeOnlyForFailures: a notice an older mailq staged is looked
// for only when the set has failures to report; a set with only relayed
// recipients gets its success notice.
func TestStagedNoticeOnlyForFailures(t *testing.T) {
	t.Parallel()
	p := startPeer(t, &peer{})
	f := newFixture(t, p, nil)
	id := f.putDSN(queue.Recipient{Addr: "bob@example.org", Notify: queue.NotifySuccess})
	stageLegacy(t, f, queue.External, id)
	if res := f.run(queue.External, id); res.err != nil {
		t.Fatal(res.err)
	}
	ids := f.list(queue.Incoming)
	if len(ids) != 1 {
		t.Fatalf("incoming %v, want the success notice", ids)
	}
	if _, _, subject := f.readNotice(ids[0]); subject != "Successful Mail Delivery Report" {
		t.Errorf("the notice in the incoming queue is %q, want the success notice", subject)
	}
}
