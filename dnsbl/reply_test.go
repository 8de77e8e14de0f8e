package dnsbl

import (
	"net/netip"
	"strings"
	"testing"
)

func TestReply(t *testing.T) {
	t.Parallel()
	ip := netip.MustParseAddr("192.0.2.1")
	tests := []struct {
		name string
		res  Result
		want string
	}{
		{"with reason", Result{IP: ip, Listed: true, Zone: "bl.test", Reason: "see https://bl.test/"},
			"554 5.7.1 Client address [192.0.2.1] blocked using bl.test: see https://bl.test/"},
		{"without reason", Result{IP: ip, Listed: true, Zone: "bl.test"},
			"554 5.7.1 Client address [192.0.2.1] blocked using bl.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.res.Reply(); got != tc.want {
				t.Fatalf("Reply = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"  lead\r\n250 injected\ttab  ", "lead 250 injected tab"},
		{"caf\u00e9 \xff", "caf? ?"},
		{"\x00\x1b[31m", "[31m"},
		{strings.Repeat("x", 300), strings.Repeat("x", 197) + "..."},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := sanitize(tc.in, maxReason); got != tc.want {
				t.Fatalf("sanitize = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzSanitize checks that any TXT record becomes one short printable line.
func FuzzSanitize(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		out := sanitize(s, maxReason)
		if len(out) > maxReason {
			t.Fatalf("%d bytes", len(out))
		}
		for i := 0; i < len(out); i++ {
			if c := out[i]; c < 0x20 || c >= 0x7f {
				t.Fatalf("byte %#x in %q", c, out)
			}
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("untidy spaces in %q", out)
		}
	})
}
