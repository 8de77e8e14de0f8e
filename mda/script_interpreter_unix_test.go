//go:build unix

package mda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScriptInterpreter: an executable delivery script runs through its own
// "#!" line, not through sh (here /bin/cat prints the script itself); a
// script that is not executable runs through sh.
func TestScriptInterpreter(t *testing.T) {
	t.Parallel()
	const body = "#!/bin/cat\necho through-sh\n"
	for _, c := range []struct {
		name string
		mode os.FileMode
		want string // an output row
	}{
		{"executable", 0o755, "script output: echo through-sh"},
		{"not executable", 0o644, "script output: through-sh"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			script := filepath.Join(tb.root, "s")
			if err := os.WriteFile(script, []byte(body), c.mode); err != nil {
				t.Fatal(err)
			}
			log := systemScriptLog(t, tb, script)
			if !strings.Contains(log, c.want) {
				t.Errorf("no row %q:\n%s", c.want, log)
			}
		})
	}
}
