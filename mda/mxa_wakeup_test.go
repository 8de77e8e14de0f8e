package mda

import (
	"testing"
	"time"
)

// TestMXAWokenForExternalOnly: the MXA is woken (Options.Queued) after a
// set that left an external set behind, and not after one whose
// recipients were all local: it has nothing new to send then.
func TestMXAWokenForExternalOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		rcpts []string
		wakes int32
	}{
		{"local only", []string{"alice@test.example", "bob@test.example"}, 0},
		{"local and external", []string{"alice@test.example", "x@far.example"}, 1},
		{"external only", []string{"x@far.example"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			wake := make(chan struct{}, 1)
			r := tb.run(func(o *Options) { o.Wake, o.Nice = wake, time.Hour })
			wait(t, r.scans, "the first scan")
			id := tb.commit("sender@far.example", c.rcpts, testMessage)
			wake <- struct{}{}
			if got := wait(t, r.filed, "the set to be filed"); got != id {
				t.Fatalf("filed %s, want %s", got, id)
			}
			if n := r.queued.Load(); n != c.wakes {
				t.Fatalf("the MXA was woken %d times, want %d", n, c.wakes)
			}
		})
	}
}
