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

// TestTimeoutDefaultValues: the defaults are RFC 5321 §4.5.3.2's limits
// divided by five (greeting and commands 5 minutes, DATA 2, a data block 3,
// the final dot 10), a 30-second connect, a 20-second DNS lookup and a
// 5-minute session.
func TestTimeoutDefaultValues(t *testing.T) {
	t.Parallel()
	want := Timeouts{Connect: 30 * time.Second, Greeting: time.Minute, Command: time.Minute,
		DataInit: 24 * time.Second, Block: 36 * time.Second, DataEnd: 2 * time.Minute,
		Lookup: 20 * time.Second, Session: 5 * time.Minute}
	if got := DefaultTimeouts(); got != want {
		t.Errorf("DefaultTimeouts = %+v\nwant %+v", got, want)
	}
}
