//go:build unix

package mda

import (
	"strings"
	"testing"
)

// TestScriptOutputRows: a delivery script's output is logged a row a line;
// a script that writes nothing gets no output row at all (not one empty
// row), while one that writes a line gets exactly that row; past
// scriptOutput bytes the output is dropped (three lines of 10000 bytes
// leave the first and part of the second).
func TestScriptOutputRows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, body string
		rows       int
	}{
		{"silent", "exit 0\n", 0},
		{"one line", "echo hello\n", 1},
		{"over the byte cap", "for i in 1 2 3; do head -c 10000 /dev/zero | tr '\\0' x; echo; done\n", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			script := writeScript(t, tb.root, "s.sh", c.body, false)
			log := systemScriptLog(t, tb, script)
			if n := strings.Count(log, "script-output"); n != c.rows {
				t.Errorf("%d output rows, want %d:\n%s", n, c.rows, log)
			}
		})
	}
}
