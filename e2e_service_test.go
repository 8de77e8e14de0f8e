//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// TestInstallSystemdUnits: /INSTALL writes one unit per instance into the
// folder, systemd accepts them, and their command lines start the instances
// of this folder with the switches given; /UNINSTALL removes them. Both
// refuse what they cannot do and change nothing then.
func TestInstallSystemdUnits(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mail server %h") // a space and a systemd specifier
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(testINI), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := mailq(t, dir, "/install:office", "/mda", "/mxa"); code != 0 {
		t.Fatalf("/install: exit %d\n%s", code, out)
	}
	smtpUnit := filepath.Join(dir, "office-smtp.service")
	popUnit := filepath.Join(dir, "office-pop3.service")
	for unit, want := range map[string]string{
		smtpUnit: `"/mda" "/mxa" "/INI:` + strings.ReplaceAll(dir, "%", "%%") + `/mailq.ini"`,
		popUnit:  `"/POP" "/INI:` + strings.ReplaceAll(dir, "%", "%%") + `/mailq.ini"`,
	} {
		b, err := os.ReadFile(unit)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "ExecStart=\""+binary+"\" "+want+"\n") {
			t.Fatalf("%s lacks the command line %s:\n%s", unit, want, b)
		}
	}
	verify := exec.Command(testutil.Program(t, "systemd-analyze"), "verify", smtpUnit, popUnit)
	if out, err := verify.CombinedOutput(); err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	if code, out := mailq(t, dir, "/install:office"); code != exitCommand || !strings.Contains(out, "already exists") {
		t.Fatalf("second /install: exit %d, want %d:\n%s", code, exitCommand, out)
	}
	if code, out := mailq(t, dir, "/uninstall:office"); code != 0 {
		t.Fatalf("/uninstall: exit %d\n%s", code, out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.service")); len(left) != 0 {
		t.Fatalf("/uninstall left %q", left)
	}
	if code, _ := mailq(t, dir, "/uninstall:office"); code != exitCommand {
		t.Fatalf("/uninstall with nothing installed: exit %d, want %d", code, exitCommand)
	}

	refused := []struct {
		name string
		dir  string
		args []string
	}{
		{"no mailq.ini", t.TempDir(), []string{"/install"}},
		{"bad name", dir, []string{"/install:../x"}},
		{"pop switch", dir, []string{"/install", "/pop"}},
		{"unknown switch", dir, []string{"/install", "/frob"}},
		{"line break in a switch", dir, []string{"/install", "/WM:hi\nExecStartPost=/bin/id"}},
	}
	for _, r := range refused {
		if code, out := mailq(t, r.dir, r.args...); code != exitUsage {
			t.Errorf("%s: exit %d, want %d:\n%s", r.name, code, exitUsage, out)
		}
		if left, _ := filepath.Glob(filepath.Join(r.dir, "*.service")); len(left) != 0 {
			t.Fatalf("%s: refused /install wrote %q", r.name, left)
		}
	}
}
