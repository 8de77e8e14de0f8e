//go:build unix

package mxa

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"mailq/dsn"
	"mailq/queue"
)

// TestCrashDelay kills the agent around the delay notice (DelayWarningHours
// 1 in the child, whose rounds run an hour apart): after the notice is
// written into the incoming queue and before its set records it, and after
// the record. With onward, the MDA is played between the two runs: a notice
// that is not held is filed onward (to sent/), so a replay that wrote it
// again would show as a second copy. The recipient is deferred for ever, so
// later rounds of the second run try it again past the warning time: the
// set gets exactly one delay notice, and records it (warned=).
func TestCrashDelay(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts many processes")
	}
	for _, step := range []string{"delay-written", "delay-marked"} {
		for _, onward := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s-onward=%v", step, onward), func(t *testing.T) {
				t.Parallel()
				pa, _ := crashPeers(t)
				dir := t.TempDir()
				f := newFixtureIn(t, dir, nil, nil)
				id := f.put(queue.External, "alice@origin.test", "slow@a.test")
				cid := id.Derive(1)
				n := dsn.DelayID(cid)
				port := strconv.Itoa(int(pa.Addr.Port()))
				runChild(t, dir, port, step, 1, true, "MAILQ_MXA_DELAY=1")
				if onward && slices.Contains(f.list(queue.Incoming), n) {
					held, err := f.tree.Held(f.env(queue.Incoming, n))
					if err != nil {
						t.Fatal(err)
					}
					if held == (step == "delay-marked") {
						t.Errorf("after %s: held %v", step, held)
					}
					if !held { // as the MDA does (mda/file.go)
						if err := f.tree.Move(n, queue.Incoming, queue.Sent); err != nil {
							t.Fatal(err)
						}
					}
				}
				runChild(t, dir, port, "", 0, false, "MAILQ_MXA_DELAY=1")
				var where []string
				for _, folder := range []queue.Folder{queue.Incoming, queue.Sent} {
					if slices.Contains(f.list(folder), n) {
						where = append(where, folder.String())
					}
				}
				if len(where) != 1 {
					t.Errorf("delay notice %s in %v, want exactly one place", n, where)
				}
				if in := f.list(queue.Incoming); len(in) > 1 {
					t.Errorf("incoming %v: more than one notice", in)
				}
				if r := f.env(queue.Retry, cid).Recipients[0]; r.Warned.IsZero() {
					t.Errorf("the copy does not record its delay notice: %+v", r)
				}
			})
		}
	}
}
