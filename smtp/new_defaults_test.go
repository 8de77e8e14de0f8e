package smtp

import (
	"testing"
	"time"

	"mailq/config"
)

// TestNewDefaults: New puts the default in place of a value that cannot
// be used (no recipients, no time-out, a mode out of range) and keeps
// every usable one, down to the smallest.
func TestNewDefaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		rcpts    int
		timeout  time.Duration
		mode     config.SMTPMode
		wantR    int
		wantT    time.Duration
		wantMode config.SMTPMode
	}{
		{"unset", 0, 0, 0, config.DefaultMaxRecipients, 120 * time.Second, config.SMTPModeBoth},
		{"negative", -1, -time.Second, -1, config.DefaultMaxRecipients, 120 * time.Second, config.SMTPModeBoth},
		{"smallest", 1, time.Nanosecond, config.SMTPModeHELO, 1, time.Nanosecond, config.SMTPModeHELO},
		{"largest mode", 2, time.Second, config.SMTPModeBoth, 2, time.Second, config.SMTPModeBoth},
		{"mode past the range", 5, time.Minute, config.SMTPModeBoth + 1, 5, time.Minute, config.SMTPModeBoth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := baseOptions(t)
			o.SMTP.MaxRecipients, o.Server.Timeout, o.SMTP.Mode = tc.rcpts, tc.timeout, tc.mode
			srv, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.opt
			if got.SMTP.MaxRecipients != tc.wantR || got.Server.Timeout != tc.wantT || got.SMTP.Mode != tc.wantMode {
				t.Fatalf("MaxRecipients %d, Timeout %v, Mode %v; want %d, %v, %v",
					got.SMTP.MaxRecipients, got.Server.Timeout, got.SMTP.Mode, tc.wantR, tc.wantT, tc.wantMode)
			}
		})
	}
}
