package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/logs"
)

// TestStatsOnFixture runs /STATS against a logs folder with known counts,
// found through the folder's mailq.ini like the servers find it.
func TestStatsOnFixture(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	today := time.Now()
	head := strings.Join(logs.Header(logs.FileReceived), ",") + "\n"
	rows := head +
		"2026-01-01T10:00:00.000Z,1,ESMTP,OK,received,q1,t1,192.0.2.1,h.test,,alice@a.test,bob@b.test carol@b.test,2048\n" +
		"2026-01-01T10:00:01.000Z,2,ESMTP,OK,received,q2,t2,192.0.2.1,h.test,,alice@a.test,bob@b.test,1024\n" +
		"2026-01-01T10:00:02.000Z,3,ESMTP,OK,received,q3,t3,192.0.2.2,h.test,,,alice@a.test,100\n"
	if err := os.WriteFile(logs.DatedPath(logDir, logs.FileReceived, today), []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := mailq(t, dir, "/stats:1", "/top:1")
	if code != 0 {
		t.Fatalf("/stats: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		today.Format("2006-01-02") + "         3          4",
		"2  alice@a.test", "... 1 more", // top senders: alice 2, <> 1
		"2  bob@b.test",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/stats output lacks %q:\n%s", want, out)
		}
	}
	if code, out := mailq(t, dir, "/tail:nosuchlog"); code != exitUsage {
		t.Errorf("/tail:nosuchlog: exit %d, want %d\n%s", code, exitUsage, out)
	}
	if code, out := mailq(t, dir, "/stats:x"); code != exitUsage {
		t.Errorf("/stats:x: exit %d, want %d\n%s", code, exitUsage, out)
	}
}
