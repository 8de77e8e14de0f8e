package logs

import (
	"bytes"
	"context"
	"fmt"
	"mailq/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncWriter is a buffer safe to read while Tail writes to it.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor waits until the output contains want, or fails.
func waitFor(t *testing.T, w *syncWriter, want string) {
	t.Helper()
	testutil.EventuallyShow(t, fmt.Sprintf("tail to print %q", want),
		func() bool { return strings.Contains(w.String(), want) }, w.String)
}

// TestTail: the last rows first, then new rows as the writer adds them, a
// row written in two parts shown once complete, and at midnight the next
// day's file.
func TestTail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	l, err := New(Options{Dir: dir, Level: Debug, Console: &bytes.Buffer{}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := SMTPConn{ID: "7", Client: "192.0.2.1"}
	for _, u := range []string{"one", "two", "three"} {
		l.SMTPAuthFailed(c, "PLAIN", u+"@a.test", "wrong password")
	}
	out := &syncWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Tail(ctx, TailOptions{Dir: dir, File: FileSMTP, Lines: 2, Out: out, Now: clock, Poll: 5 * time.Millisecond})
	}()
	waitFor(t, out, "three@a.test")
	if got := out.String(); strings.Contains(got, "one@a.test") || !strings.Contains(got, "23:59:00 7     SMTP  [192.0.2.1] AUTH PLAIN failed for \"two@a.test\"") {
		t.Fatalf("backlog of 2 rows:\n%s", got)
	}
	l.SMTPAuthFailed(c, "LOGIN", "four@a.test", "wrong password\x1b[31m")
	waitFor(t, out, "four@a.test")
	if strings.Contains(out.String(), "\x1b") {
		t.Fatalf("a control character reached the terminal:\n%q", out.String())
	}
	mu.Lock()
	now = now.Add(2 * time.Minute) // past midnight: a new file
	mu.Unlock()
	l.SMTPAuthFailed(c, "PLAIN", "five@a.test", "wrong password")
	waitFor(t, out, "five@a.test")
	if !strings.Contains(out.String(), "-- "+DatedPath(dir, FileSMTP, now)) {
		t.Fatalf("the day change is not shown:\n%s", out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFollowerPartialRow: a row whose end has not been written yet is held
// back until its newline comes.
func TestFollowerPartialRow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "smtp-20261204.log")
	head := strings.Join(Header(FileSMTP), ",") + "\n"
	if err := os.WriteFile(path, []byte(head+"2026-12-04T10:00:00.000Z,1,SMTP,OK,first half"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &follower{path: path}
	defer f.close()
	var rows []record
	add := func(r record) { rows = append(rows, r) }
	if err := f.lines(add); err != nil || len(rows) != 0 {
		t.Fatalf("a partial row was passed on: %v %v", rows, err)
	}
	a, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	a.WriteString(" and second,,,,\n")
	a.Close()
	if err := f.lines(add); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Get("text") != "first half and second" || rows[0].Get("module") != "SMTP" {
		t.Fatalf("rows: %+v", rows)
	}
}

// TestTailForeignRows: a row that another program wrote into the log, with
// terminal escapes in it, is shown with them escaped.
func TestTailForeignRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	row := strings.Join(Header(FileSMTP), ",") + "\n2026-12-04T10:00:00.000Z,1,SMTP,OK,evil \x1b[2J\x1b]0;pwn\x07 done\r,,,,,,,,,\n"
	if err := os.WriteFile(DatedPath(dir, FileSMTP, now), []byte(row), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &syncWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // print the backlog only
	if err := Tail(ctx, TailOptions{Dir: dir, File: FileSMTP, Lines: 5, Out: out, Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.ContainsAny(got, "\x1b\x07\r") || !strings.Contains(got, `evil \x1b[2J\x1b]0;pwn\x07 done`) {
		t.Fatalf("tail printed %q", got)
	}
}
