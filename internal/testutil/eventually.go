package testutil

import (
	"net"
	"testing"
	"time"
)

// WaitLimit is how long Eventually waits for its condition. It is long:
// it only bounds a test that would otherwise hang, on a machine that may
// be slow and busy; a test never passes or fails by the clock.
const WaitLimit = 30 * time.Second

// Eventually waits until cond holds, checking it at once and then at
// growing intervals (1 ms up to 50 ms), and fails the test naming what it
// waited for when cond has not held within WaitLimit. It is the one way
// tests wait for something they cannot be told about (a file appearing, a
// log line, a slot freed by a session that is ending); cond runs on the
// test's goroutine, so it may call t.Fatal itself (a process that exited).
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually(t, WaitLimit, what, cond, nil)
}

// EventuallyShow is Eventually with show's text (a server's output, a
// folder's listing) added to the failure, taken when the wait has failed.
func EventuallyShow(t testing.TB, what string, cond func() bool, show func() string) {
	t.Helper()
	eventually(t, WaitLimit, what, cond, show)
}

func eventually(t testing.TB, limit time.Duration, what string, cond func() bool, show func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			if show != nil {
				t.Fatalf("gave up after %v waiting for %s; it showed:\n%s", limit, what, show())
			}
			t.Fatalf("gave up after %v waiting for %s", limit, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// Dials is a condition for Eventually: something listens on addr (an
// external daemon a test started, which has nothing else to wait on).
func Dials(addr string) func() bool {
	return func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
}
