package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseBool(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
		ok   bool
	}{
		{"True", true, true}, {"TRUE", true, true}, {"yes", true, true}, {"On", true, true}, {"1", true, true},
		{"false", false, true}, {"No", false, true}, {"OFF", false, true}, {"0", false, true},
		{"", false, false}, {"2", false, false}, {"truee", false, false}, {"True; x", false, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseBool(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseBool(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		defUnit int64
		want    int64 // 0: refused
	}{
		{"20", 1 << 20, 20 << 20},
		{"20", 1, 20},
		{"512KB", 1, 512 << 10},
		{"512kb", 1 << 20, 512 << 10},
		{"20MB", 1, 20 << 20},
		{"20 MB", 1, 20 << 20},
		{"20M", 1, 20 << 20},
		{"1GB", 1, 1 << 30},
		{"1024GB", 1, maxSizeLimit},
		{"1025GB", 1, 0},
		{"7B", 1 << 20, 7},
		{"0", 1, 0},
		{"", 1, 0},
		{"-5", 1, 0},
		{"5TB", 1, 0},
		{"1.5MB", 1, 0},
		{"99999999999999999999", 1, 0},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in, tc.defUnit)
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("parseSize(%q) = %d; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{20 << 20, "20MB"}, {512 << 10, "512KB"}, {1 << 30, "1GB"}, {1000, "1000B"}, {1536 << 10, "1536KB"}, {1, "1B"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := formatSize(tc.n); got != tc.want {
				t.Errorf("formatSize(%d) = %q; want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		rule durationRule
		want time.Duration // 0: refused
	}{
		{"timeout seconds", "240", ruleTimeout, 240 * time.Second},
		{"timeout 1", "1", ruleTimeout, time.Second},
		{"timeout zero", "0", ruleTimeout, 0},
		{"timeout minutes", "2m", ruleTimeout, 2 * time.Minute},
		{"timeout too long", "2d", ruleTimeout, 0},
		{"timeout fraction", "1.5", ruleTimeout, 0},
		{"expiry minutes", "480", ruleExpiryINI, 8 * time.Hour},
		{"expiry hours unit", "8h", ruleExpiryINI, 8 * time.Hour},
		{"expiry days word", "2 days", ruleExpiryINI, 48 * time.Hour},
		{"expiry seconds too short", "30s", ruleExpiryINI, 0},
		{"switch expiry hours", "24", ruleExpirySwitch, 24 * time.Hour},
		{"switch expiry minutes", "30m", ruleExpirySwitch, 30 * time.Minute},
		{"switch expiry days", "3d", ruleExpirySwitch, 72 * time.Hour},
		{"switch expiry unknown unit", "3w", ruleExpirySwitch, 0},
		{"nice", "500", ruleNice, 500 * time.Millisecond},
		{"nice seconds", "2s", ruleNice, 2 * time.Second},
		{"overflow", "9999999999999999999d", ruleExpiryINI, 0},
		{"empty", "", ruleTimeout, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDuration(tc.in, tc.rule)
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("parseDuration(%q) = %v; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		time.Minute: "1 minute", 90 * time.Second: "90 seconds", 24 * time.Hour: "1 day",
		8 * time.Hour: "8 hours", 500 * time.Millisecond: "500 milliseconds",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q; want %q", d, got, want)
		}
	}
}

func TestEnumValues(t *testing.T) {
	t.Parallel()
	t.Run("SMTPMode", func(t *testing.T) {
		for in, want := range map[string]SMTPMode{"1": SMTPModeHELO, "2": SMTPModeEHLO, "3": SMTPModeBoth} {
			if got, err := parseSMTPMode(in); err != nil || got != want {
				t.Errorf("parseSMTPMode(%q) = %v, %v", in, got, err)
			}
		}
		_, err := parseSMTPMode("0")
		if err == nil || !strings.Contains(err.Error(), "1 (HELO only), 2 (EHLO only) or 3 (both)") ||
			!strings.Contains(err.Error(), "is 1 here") {
			t.Errorf("parseSMTPMode(0) error = %v; want one explaining the numbering", err)
		}
	})
	t.Run("Relay", func(t *testing.T) {
		for _, in := range []string{"4", "-1", "", "two"} {
			if _, err := parseRelay(in); err == nil {
				t.Errorf("parseRelay(%q) accepted", in)
			}
		}
	})
	t.Run("LogLevel", func(t *testing.T) {
		for in, want := range map[string]LogLevel{"0": LogOff, "3": LogCrit, "extra": LogCrit, "Debug": LogDebug, "True": LogNormal, "false": LogOff} {
			if got, err := parseLogLevel(in); err != nil || got != want {
				t.Errorf("parseLogLevel(%q) = %v, %v; want %v", in, got, err, want)
			}
		}
		if _, err := parseLogLevel("5"); err == nil {
			t.Error("parseLogLevel(5) accepted")
		}
	})
	t.Run("MX", func(t *testing.T) {
		for in, want := range map[string]MXMode{"Local": MXLocal, "GATEWAY": MXGateway, "remote": MXRemote, "dns": MXRemote, "": MXNone} {
			if got, err := parseMX(in); err != nil || got != want {
				t.Errorf("parseMX(%q) = %v, %v; want %v", in, got, err, want)
			}
		}
	})
	t.Run("Bind", func(t *testing.T) {
		for in, want := range map[string]string{"*": "", "": "", "127.0.0.1": "127.0.0.1", "::1": "::1", "[::1]": "::1", "::ffff:10.0.0.1": "10.0.0.1"} {
			if got, err := parseBind(in); err != nil || got != want {
				t.Errorf("parseBind(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		for _, in := range []string{"localhost", "0.0.0.0.0", "* ;x"} {
			if _, err := parseBind(in); err == nil {
				t.Errorf("parseBind(%q) accepted", in)
			}
		}
	})
}

func TestCutComment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"False; comment": "False", "4;x": "4", "3": "3", " 2 ; x ": "2", ";only": "",
	} {
		if got := cutComment(in); got != want {
			t.Errorf("cutComment(%q) = %q; want %q", in, got, want)
		}
	}
}
