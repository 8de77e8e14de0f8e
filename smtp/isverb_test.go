package smtp

import (
	"strings"
	"testing"
)

// TestIsVerbEdges: a verb is 1 to maxVerb ASCII letters of either case; the
// characters next to the letters' ranges ('@', '[', '`', '{') are not.
func TestIsVerbEdges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		w    string
		want bool
	}{
		{"azAZ", true},
		{"a", true},
		{"Z", true},
		{strings.Repeat("x", maxVerb), true},
		{strings.Repeat("x", maxVerb+1), false},
		{"", false},
		{"a@", false},
		{"a[", false},
		{"a`", false},
		{"a{", false},
		{"a1", false},
	} {
		if got := isVerb(tc.w); got != tc.want {
			t.Errorf("isVerb(%q) = %v, want %v", tc.w, got, tc.want)
		}
	}
}
