package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatus: /STATUS says which instances run from the folder and exits 0
// when one does, exitIdle when none does, so that scripts can ask.
func TestStatus(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	code, out := mailq(t, dir, "/status")
	if code != exitIdle || strings.Count(out, "is not running") != 2 {
		t.Fatalf("/status with nothing running: exit %d (want %d):\n%s", code, exitIdle, out)
	}
	in := start(t, dir, "/pop")
	code, out = mailq(t, dir, "/status")
	pid := itoa(in.cmd.Process.Pid)
	if code != exitOK || !strings.Contains(out, "POP3 instance is running") || !strings.Contains(out, "pid "+pid) ||
		!strings.Contains(out, "SMTP instance is not running") {
		t.Fatalf("/status with the POP3 instance running: exit %d (want 0):\n%s", code, out)
	}
	if strings.Contains(in.out(), "shutting down") {
		t.Fatalf("/status disturbed the instance:\n%s", in.out())
	}
	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop: %s", out)
	}
	in.wait(10 * time.Second)
}

// goShFolder is a folder as a user unpacks it: the program, go.sh and
// mailq.ini (ini; none if "").
func goShFolder(t *testing.T, ini string) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, binary, filepath.Join(dir, "mailq"), 0o755)
	copyFile(t, "go.sh", filepath.Join(dir, "go.sh"), 0o755)
	if ini != "" {
		if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
}
