//go:build unix

package mxa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mailq/config"
	"mailq/dsn"
	"mailq/logs"
	"mailq/queue"
)

// Crash tests (DURABILITY rules 9 and 15): the test binary runs the agent in
// a child process that kills itself with SIGKILL at a chosen step of a job,
// then a second child finishes the work. The peers live in the parent, so
// they remember what they accepted across both children.

const crashEnv = "MAILQ_MXA_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		if err := crashChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashChild runs every set in external/ and then, as if time had passed,
// every set in retry/, until both are empty.
func crashChild() error {
	dir := os.Getenv("MAILQ_MXA_DIR")
	tree, err := queue.Open(testDirs(dir))
	if err != nil {
		return err
	}
	if _, err := tree.Recover(0); err != nil { // as the SMTP instance does at start
		return err
	}
	port, _ := strconv.Atoi(os.Getenv("MAILQ_MXA_PORT"))
	mxa := config.Default().MXA
	mxa.MX, mxa.FailureBounce = config.MXLocal, true
	mxa.DelayWarning = 0 // the rounds below span 3 hours: no delay notices but in TestCrashDelay
	if os.Getenv("MAILQ_MXA_DELAY") != "" {
		mxa.DelayWarning = time.Hour
	}
	log, err := newChildLog(dir)
	if err != nil {
		return err
	}
	a, err := New(Options{Tree: tree, Log: log, MXA: mxa, HostName: "mx.test", Timeouts: shortTimeouts,
		LocalMX: []config.MXRoute{
			{Domain: "a.test", Host: "127.0.0.1", Port: port},
			{Domain: "b.test", Host: "127.0.0.2", Port: port},
		}})
	if err != nil {
		return err
	}
	a.noRecover = true
	step, at := os.Getenv("MAILQ_MXA_STEP"), atoi(os.Getenv("MAILQ_MXA_AT"))
	seen := 0
	a.step = func(s string) {
		if s == step {
			if seen++; seen == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute) // the signal is on its way
			}
		}
	}
	ctx := context.Background()
	for round := 0; round < 4; round++ {
		a.now = func() time.Time { return time.Now().Add(time.Duration(round) * time.Hour) }
		for _, f := range []queue.Folder{queue.External, queue.Retry} {
			ids, err := tree.List(f)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if res := a.run(ctx, ctx, f, id); res.err != nil {
					return res.err
				}
			}
		}
	}
	return nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func newChildLog(dir string) (*logs.Logger, error) {
	return logs.New(logs.Options{Dir: filepath.Join(dir, "logs"), Level: logs.Debug, Console: io.Discard})
}

// crashPeers are the two servers of the crash test: a.test on 127.0.0.1 and
// b.test on 127.0.0.2, on one port. "later" is deferred at its first
// attempt, "bad" refused, "laterbad" deferred and then refused, the rest
// accepted.
func crashPeers(t *testing.T) (a, b *peer) {
	var mu sync.Mutex
	tried := map[string]int{}
	rcpt := func(addr string) string {
		mu.Lock()
		defer mu.Unlock()
		tried[addr]++
		switch {
		case strings.HasPrefix(addr, "slow"):
			return "451 4.4.1 still no answer" // for ever: TestCrashDelay
		case strings.HasPrefix(addr, "bad"):
			return "550 5.1.1 no such user"
		case strings.HasPrefix(addr, "laterbad") && tried[addr] > 1:
			return "550 5.1.1 gone meanwhile"
		case strings.HasPrefix(addr, "later") && tried[addr] == 1:
			return "451 4.2.0 try later"
		}
		return "250 OK"
	}
	a = startPeer(t, &peer{Rcpt: rcpt})
	b = startPeerListener(t, &peer{Rcpt: rcpt}, "127.0.0.2", a.Addr.Port())
	return a, b
}

func TestCrashReplay(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts many processes")
	}
	rcpts := []string{"one@a.test", "two@a.test", "later@a.test", "bad@a.test", "three@b.test", "later@b.test"}
	steps := []struct {
		name string
		max  int // occurrences to try
	}{{"connected", 3}, {"replied", 3}, {"recorded", 4}, {"copied", 2}, {"bounced", 1}, {"filing", 3}}
	for _, st := range steps {
		for at := 1; at <= st.max; at++ {
			t.Run(fmt.Sprintf("%s-%d", st.name, at), func(t *testing.T) {
				t.Parallel()
				pa, pb := crashPeers(t)
				dir := t.TempDir()
				f := newFixtureIn(t, dir, nil, nil)
				id := f.put(queue.External, "alice@origin.test", rcpts...)
				port := strconv.Itoa(int(pa.Addr.Port()))
				runChild(t, dir, port, st.name, at, true)
				runChild(t, dir, port, "", 0, false)
				checkCrashOutcome(t, f, id, rcpts, st.name, pa, pb)
			})
		}
	}
}

// runChild runs the agent in a child; killed says whether it must end by
// its own SIGKILL. env adds variables (MAILQ_MXA_DELAY=1).
func runChild(t *testing.T, dir, port, step string, at int, killed bool, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), crashEnv+"=1", "MAILQ_MXA_DIR="+dir, "MAILQ_MXA_PORT="+port,
		"MAILQ_MXA_STEP="+step, "MAILQ_MXA_AT="+strconv.Itoa(at))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	wasKilled := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	if killed && !wasKilled {
		// The step did not occur that often: the run completed, and the
		// case tested nothing. The step list is out of date, or a step
		// was dropped from the agent.
		t.Fatalf("crash point %s #%d never happened (child: %v):\n%s", step, at, err, out)
	}
	if !killed && err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// checkCrashOutcome: every recipient delivered once (twice only when the
// child died between a 250 and its record), none lost, one failure notice.
func checkCrashOutcome(t *testing.T, f *fixture, id queue.ID, rcpts []string, step string, pa, pb *peer) {
	t.Helper()
	if ext, retry := f.list(queue.External), f.list(queue.Retry); len(ext)+len(retry) != 0 {
		t.Fatalf("left: external %v retry %v", ext, retry)
	}
	got := map[string]int{}
	for _, r := range append(pa.Delivered(), pb.Delivered()...) {
		got[r]++
	}
	for _, r := range rcpts {
		want := 1
		if strings.HasPrefix(r, "bad") {
			want = 0
		}
		if got[r] != want && !(step == "replied" && got[r] == 2) {
			t.Errorf("%s delivered %d times, want %d", r, got[r], want)
		}
	}
	// Every recipient has a final record in sent/ or failed/.
	final := map[string]queue.Status{}
	for _, folder := range []queue.Folder{queue.Sent, queue.Failed} {
		for _, sid := range f.list(folder) {
			for _, r := range f.env(folder, sid).Recipients {
				if r.Status != queue.StatusPending {
					final[r.Addr] = r.Status
				}
			}
		}
	}
	for _, r := range rcpts {
		want := queue.StatusDelivered
		if strings.HasPrefix(r, "bad") {
			want = queue.StatusFailed
		}
		if final[r] != want {
			t.Errorf("%s: final status %v, want %v", r, final[r], want)
		}
	}
	if in := f.list(queue.Incoming); !slices.Equal(in, []queue.ID{dsn.ID(id)}) {
		t.Errorf("incoming %v, want one notice %s", in, dsn.ID(id))
	}
}

// TestCrashNotice kills the agent around the failure notices: after one is
// written into the incoming queue, after its set is filed, after the MDA is
// told. With onward, the MDA is played between the two runs: a notice found
// in the incoming queue that the MDA would file (not held: its set has left
// the folder its .auth names) is filed onward (to sent/, as if it had gone
// out through external/), so a replay that wrote it again would show as a
// second copy. Two sets fail: the message itself (bad@) at its first
// attempt, and the retry copy of laterbad@ at its second, whose notice
// names it in retry/.
func TestCrashNotice(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts many processes")
	}
	rcpts := []string{"one@a.test", "bad@a.test", "laterbad@b.test"}
	for _, step := range []string{"staged", "archived", "bounced"} {
		for at := 1; at <= 2; at++ {
			for _, onward := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s-%d-onward=%v", step, at, onward), func(t *testing.T) {
					t.Parallel()
					pa, _ := crashPeers(t)
					dir := t.TempDir()
					f := newFixtureIn(t, dir, nil, nil)
					id := f.put(queue.External, "alice@origin.test", rcpts...)
					notices := []queue.ID{dsn.ID(id), dsn.ID(id.Derive(3))}
					port := strconv.Itoa(int(pa.Addr.Port()))
					runChild(t, dir, port, step, at, true)
					if onward {
						for _, n := range notices {
							if !slices.Contains(f.list(queue.Incoming), n) {
								continue
							}
							if held, err := f.tree.Held(f.env(queue.Incoming, n)); err != nil || held {
								continue // as the MDA does (mda/file.go)
							}
							if err := f.tree.Move(n, queue.Incoming, queue.Sent); err != nil {
								t.Fatal(err)
							}
						}
					}
					runChild(t, dir, port, "", 0, false)
					if ext, retry := f.list(queue.External), f.list(queue.Retry); len(ext)+len(retry) != 0 {
						t.Fatalf("left: external %v retry %v", ext, retry)
					}
					for _, n := range notices {
						var where []string
						for _, folder := range []queue.Folder{queue.Incoming, queue.External, queue.Sent} {
							if slices.Contains(f.list(folder), n) {
								where = append(where, folder.String())
							}
						}
						if len(where) != 1 {
							t.Errorf("notice %s in %v, want exactly one place", n, where)
						}
					}
					failed := f.list(queue.Failed)
					if len(failed) != 2 || !slices.Contains(failed, id) || !slices.Contains(failed, id.Derive(3)) {
						t.Errorf("failed/ holds %v, want %s and %s", failed, id, id.Derive(3))
					}
				})
			}
		}
	}
}
