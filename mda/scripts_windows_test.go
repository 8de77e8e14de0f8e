package mda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/logs"
)

// TestScriptsWindows: an account's .bat script and a .cmd system script run
// through cmd.exe (scripts_windows.go) once per copy, with the manual's
// variables in their environment.
func TestScriptsWindows(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	own := filepath.Join(tb.root, "alice script.bat")
	sys := filepath.Join(tb.root, "system.cmd")
	for p, body := range map[string]string{
		own: "@ECHO OFF\r\nECHO own\r\nECHO EML_FILE=%EML_FILE%\r\nECHO FROM=%FROM%\r\nECHO TO=%TO%\r\nIF EXIST \"%EML_FILE%\" ECHO the copy exists\r\n",
		sys: "@ECHO OFF\r\nECHO system for %TO%\r\n",
	} {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := tb.agent(func(o *Options) {
		o.Scripts = config.Scripts{Enabled: true, System: sys, PerUser: map[string]string{"alice@test.example": own}}
	})
	a.scripts.start()
	id := tb.commit("sender@far.example", []string{"sales@test.example", "bob@test.example"}, testMessage)
	tb.fileAll(a)
	a.scripts.stop(30 * time.Second)
	log := tb.mdaLog()
	eml := filepath.Join(tb.paths.Users, "alice@test.example", string(id)+".eml")
	for _, want := range []string{
		"script output: own",
		"script output: EML_FILE=" + eml,
		"script output: FROM=sender@far.example",
		"script output: TO=alice@test.example",
		"script output: the copy exists",
		"script output: system for alice@test.example",
		"script output: system for bob@test.example",
	} {
		// The log escapes a backslash that could start an escape
		// ("\users" reads like \uHHHH), as every log line does.
		if want = logs.Escape(want); !strings.Contains(log, want) {
			t.Errorf("MDA log lacks %q:\n%s", want, log)
		}
	}
}

// TestScriptTimeoutWindows: a batch script that never ends is ended at its
// time limit (taskkill /T, or a plain kill if that fails), the kill is
// logged, and the runner stops at once.
func TestScriptTimeoutWindows(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	script := filepath.Join(tb.root, "hang.bat")
	if err := os.WriteFile(script, []byte("@ECHO OFF\r\nECHO started\r\n:again\r\nGOTO again\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newRunner(config.Scripts{Enabled: true}, tb.root, 2*time.Second, tb.log)
	r.start()
	began := time.Now()
	r.submit(scriptJob{id: "x", script: script, to: "alice@test.example"})
	r.stop(time.Minute)
	if took := time.Since(began); took > 30*time.Second {
		t.Fatalf("stop took %v", took)
	}
	if log := tb.mdaLog(); !strings.Contains(log, "killed after the time limit of 2s") || !strings.Contains(log, "script output: started") {
		t.Fatalf("MDA log:\n%s", log)
	}
}
