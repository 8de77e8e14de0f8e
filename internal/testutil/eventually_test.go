package testutil

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestEventually: a condition that comes true ends the wait after the
// checks it took; one that never does fails the test with what was waited
// for and what show returned; a condition true at once is checked once.
func TestEventually(t *testing.T) {
	t.Parallel()
	run := func(cond func() bool, show func() string) string {
		rec := &recordTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			eventually(rec, 300*time.Millisecond, "the answer", cond, show)
		}()
		<-done
		return rec.failure
	}

	calls := 0
	if f := run(func() bool { calls++; return calls == 5 }, nil); f != "" || calls != 5 {
		t.Fatalf("true on the 5th check: failure %q after %d checks", f, calls)
	}
	calls = 0
	if f := run(func() bool { calls++; return true }, nil); f != "" || calls != 1 {
		t.Fatalf("true at once: failure %q after %d checks", f, calls)
	}
	calls = 0
	f := run(func() bool { calls++; return false }, nil)
	if !strings.Contains(f, "waiting for the answer") || calls < 2 {
		t.Fatalf("never true: failure %q after %d checks", f, calls)
	}
	f = run(func() bool { return false }, func() string { return "the log so far" })
	if !strings.Contains(f, "waiting for the answer") || !strings.Contains(f, "the log so far") {
		t.Fatalf("never true, with show: failure %q", f)
	}
	// The public form fails the same way (through the same code).
	rec := &recordTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Eventually(rec, "at once", func() bool { return true })
	}()
	<-done
	if rec.failure != "" {
		t.Fatalf("Eventually with a true condition failed: %s", rec.failure)
	}
}

// TestDials: true once something listens, false after it has stopped.
func TestDials(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if !Dials(addr)() {
		t.Fatalf("nothing dials a listener on %s", addr)
	}
	ln.Close()
	if Dials(addr)() {
		t.Fatalf("%s dials after its listener closed", addr)
	}
}
