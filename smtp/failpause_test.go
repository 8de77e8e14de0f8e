package smtp

import (
	"testing"
	"time"
)

// TestFailPauseHolds: failPause returns no earlier than delay after start
// (a lower bound only, which time.Sleep guarantees: a slow machine cannot
// fail it).
func TestFailPauseHolds(t *testing.T) {
	t.Parallel()
	const delay = 20 * time.Millisecond
	start := time.Now()
	failPause(start, delay)
	if got := time.Since(start); got < delay {
		t.Fatalf("failPause returned after %v, before the %v delay", got, delay)
	}
}
