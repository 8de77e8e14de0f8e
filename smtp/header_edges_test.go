package smtp

import (
	"strings"
	"testing"
)

// TestFieldNameEdges: a field name is printable ASCII from "!" to "~"
// (RFC 5322 §2.2); a line whose "name" holds DEL is no field, so the
// header section ends there.
func TestFieldNameEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		msg string
		pos int
	}{
		{"~!: x\r\n\r\n", 7},
		{"X\x7fY: x\r\n\r\n", 0},
	}
	for _, c := range cases {
		var h headerScan
		h.scan([]byte(c.msg), true)
		if !h.done || h.pos != c.pos {
			t.Errorf("scan(%q): done %v, header ends at %d; want %d", c.msg, h.done, h.pos, c.pos)
		}
	}
}

// TestHeaderSafeDEL: a client's word put into a trace field has DEL, like
// the controls and the comment characters, replaced, and is cut to its
// limit.
func TestHeaderSafeDEL(t *testing.T) {
	t.Parallel()
	if got := headerSafe("a\x7fb c(d)", 100); got != "a_b_c_d_" {
		t.Errorf("headerSafe = %q", got)
	}
	if got := headerSafe(strings.Repeat("x", 300), 255); len(got) != 255 {
		t.Errorf("headerSafe kept %d bytes, want 255", len(got))
	}
}
