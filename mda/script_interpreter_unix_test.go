//go:build unix

package mda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/config"
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
			wake := make(chan struct{}, 1)
			r := tb.run(func(o *Options) {
				o.Wake, o.Nice = wake, time.Hour
				o.Scripts = config.Scripts{Enabled: true, System: script}
			})
			wait(t, r.scans, "the first scan")
			tb.commit("sender@far.example", []string{"alice@test.example"}, testMessage)
			wake <- struct{}{}
			wait(t, r.filed, "the set to be filed")
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(tb.mdaLog(), "exit status 0") {
				if time.Now().After(deadline) {
					t.Fatalf("the script's end is not logged:\n%s", tb.mdaLog())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if !strings.Contains(tb.mdaLog(), c.want) {
				t.Errorf("no row %q:\n%s", c.want, tb.mdaLog())
			}
		})
	}
}
