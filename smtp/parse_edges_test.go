package smtp

import (
	"strings"
	"testing"
)

// TestParseCommandEdges: a verb is 1 to maxVerb ASCII letters, the first
// and last letters of the alphabet included; the bytes just outside the
// letters, in either case, make the first word no verb.
func TestParseCommandEdges(t *testing.T) {
	t.Parallel()
	longest := strings.Repeat("a", maxVerb)
	cases := []struct {
		line string
		want command
	}{
		{longest + " x", command{verb: strings.ToUpper(longest), arg: "x"}},
		{"az x", command{verb: "AZ", arg: "x"}},
		{"AZ x", command{verb: "AZ", arg: "x"}},
		{"A@ x", command{arg: "x"}}, // '@' precedes 'A'
		{"Z[ x", command{arg: "x"}}, // '[' follows 'Z'
		{"a` x", command{arg: "x"}}, // '`' precedes 'a'
		{"z{ x", command{arg: "x"}}, // '{' follows 'z'
	}
	for _, c := range cases {
		got, err := parseCommand([]byte(c.line))
		if err != nil || got != c.want {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
}

// TestCutPrefixFoldWhole: a line that is the prefix and nothing more has
// it, with nothing after it ("MAIL FROM:" then gets the syntax error of an
// empty path, not of a missing FROM:).
func TestCutPrefixFoldWhole(t *testing.T) {
	t.Parallel()
	if rest, ok := cutPrefixFold("from:", "FROM:"); rest != "" || !ok {
		t.Errorf("cutPrefixFold(%q, %q) = %q, %v; want \"\", true", "from:", "FROM:", rest, ok)
	}
}
