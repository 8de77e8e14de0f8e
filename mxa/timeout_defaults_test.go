package mxa

import (
	"testing"
	"time"
)

// TestTimeoutDefaults: every time limit left at 0, or set below it, takes
// its default (RFC 5321 §4.5.3.2 divided by five); those set are kept.
func TestTimeoutDefaults(t *testing.T) {
	t.Parallel()
	d := DefaultTimeouts()
	got := withDefaults(Timeouts{Greeting: -time.Second, Command: 7 * time.Second, Session: time.Hour})
	want := d
	want.Command, want.Session = 7*time.Second, time.Hour
	if got != want {
		t.Errorf("withDefaults = %+v\nwant %+v", got, want)
	}
	if got := withDefaults(Timeouts{}); got != d {
		t.Errorf("withDefaults of nothing = %+v\nwant %+v", got, d)
	}
}
