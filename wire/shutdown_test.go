package wire

import (
	"testing"
	"time"
)

type deadlineRecorder struct{ set []time.Time }

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.set = append(d.set, t)
	return nil
}

// TestShutdown checks the limits a shut-down puts on a session: none
// before it, a past deadline at once for an idle session (woken if it is
// reading), the hard limit for a busy one.
func TestShutdown(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hard := now.Add(time.Minute)
	for _, c := range []struct {
		name      string
		idle      bool
		wantLimit time.Time
		wantWoken bool
	}{
		{"idle", true, past, true},
		{"busy", false, hard, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var sd Shutdown
			sd.SetIdle(c.idle)
			if sd.Stopping() || !sd.Limit().IsZero() || !sd.Hard().IsZero() {
				t.Fatalf("before Begin: stopping %v, limit %v, hard %v", sd.Stopping(), sd.Limit(), sd.Hard())
			}
			var raw deadlineRecorder
			sd.Begin(hard, &raw)
			if !sd.Stopping() || !sd.Hard().Equal(hard) {
				t.Fatalf("after Begin: stopping %v, hard %v", sd.Stopping(), sd.Hard())
			}
			if got := sd.Limit(); !got.Equal(c.wantLimit) {
				t.Errorf("Limit = %v, want %v", got, c.wantLimit)
			}
			if woken := len(raw.set) == 1 && raw.set[0].Before(now); woken != c.wantWoken || len(raw.set) > 1 {
				t.Errorf("deadlines set on the connection: %v", raw.set)
			}
			sd.SetIdle(!c.idle) // the other kind of read after Begin
			if want := map[bool]time.Time{true: past, false: hard}[!c.idle]; !sd.Limit().Equal(want) {
				t.Errorf("Limit after SetIdle(%v) = %v, want %v", !c.idle, sd.Limit(), want)
			}
		})
	}
}
