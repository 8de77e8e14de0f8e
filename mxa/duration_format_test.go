package mxa

import (
	"testing"
	"time"
)

// TestFmtDuration: durations in the MXA's log lines read as they are
// configured: whole hours as hours, whole minutes as minutes, from exactly
// one of each; anything else as Go prints it, to the millisecond.
func TestFmtDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Hour:               "1h",
		48 * time.Hour:          "48h",
		90 * time.Minute:        "90m",
		time.Minute:             "1m",
		59 * time.Minute:        "59m",
		61 * time.Second:        "1m1s",
		30 * time.Second:        "30s",
		1500 * time.Microsecond: "2ms",
		time.Hour + time.Second: "1h0m1s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
