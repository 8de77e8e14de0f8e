package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

// mdaDrop drops a message set into the queue folder of the tree in dir the
// way any other program may (queue/doc.go, "Dropping a message"): the .eml
// first, then the .auth under a temporary name, renamed into place.
func mdaDrop(t *testing.T, dir, from string, rcpts ...string) queue.ID {
	t.Helper()
	id := queue.NewID(time.Now())
	q := filepath.Join(dir, "queue")
	if err := os.MkdirAll(q, 0o755); err != nil {
		t.Fatal(err)
	}
	eml := "From: <" + from + ">\r\nSubject: dropped " + string(id) + "\r\n\r\nHello from a drop program.\r\n"
	if err := os.WriteFile(filepath.Join(q, string(id)+".eml"), []byte(eml), 0o644); err != nil {
		t.Fatal(err)
	}
	auth := "mailq-envelope 1\nfrom " + from + "\n"
	for _, r := range rcpts {
		auth += "rcpt " + r + "\n"
	}
	auth += "end\n"
	tmp := filepath.Join(q, "~"+string(id)+".tmp")
	if err := os.WriteFile(tmp, []byte(auth), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(q, string(id)+".auth")); err != nil {
		t.Fatal(err)
	}
	return id
}

// mdaWaitFile waits until path exists, as a test of the real binary sees a
// delivery: the file appears. It fails after 20 s with the console output.
func mdaWaitFile(t *testing.T, in *instance, path string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear: %v\n%s", path, err, in.out())
		}
		select {
		case <-in.done:
			t.Fatalf("mailq exited before %s appeared:\n%s", path, in.out())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestMDADropDirectory runs the real binary with /MDA: a set dropped while
// it was down is filed at start, sets dropped while it runs are found by
// the /NICE scan, each recipient lands where it belongs, the queue folder
// is left empty and mda-YYYYMMDD.log has a row per decision.
func TestMDADropDirectory(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	before := mdaDrop(t, dir, "robot@far.example", "alice@test.example")
	in := start(t, dir, "/MDA", "/NICE:50")
	copy := mdaWaitFile(t, in, filepath.Join(dir, "users", "alice@test.example", string(before)+".eml"))
	if !strings.HasPrefix(copy, "Return-Path: <robot@far.example>\r\nDelivered-To: alice@test.example\r\n") {
		t.Fatalf("copy:\n%s", copy)
	}

	during := mdaDrop(t, dir, "robot@far.example", "Postmaster@test.example", "someone@far.example")
	mdaWaitFile(t, in, filepath.Join(dir, "users", "unknown", "postmaster@test.example", string(during)+".eml"))
	mdaWaitFile(t, in, filepath.Join(dir, "queue", "external", string(during)+".auth"))

	if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	if code := in.wait(15 * time.Second); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, in.out())
	}
	entries, err := os.ReadDir(filepath.Join(dir, "queue"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			t.Errorf("left in the queue folder: %s", e.Name())
		}
	}
	out := in.out()
	if !strings.Contains(out, "MDA") || !strings.Contains(out, "delivered to alice@test.example") {
		t.Errorf("console lacks the MDA's lines:\n%s", out)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "mda-*.log"))
	if len(logs) != 1 {
		t.Fatalf("MDA logs: %v", logs)
	}
	data, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"delivered,alice@test.example", "unknown,postmaster@test.example", "external,someone@far.example"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("MDA log lacks %q:\n%s", want, data)
		}
	}
}

// TestMDAScript: a [Scripts] system script given relative to mailq.ini
// runs after delivery, in the folder of mailq.ini, with the manual's
// variables, and its output reaches the console.
func TestMDAScript(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("a POSIX shell script")
	}
	ini := testINI + "[Scripts]\nEnabled=True\n*=scripts/every.sh\n"
	dir := newTree(t, ini)
	if err := os.MkdirAll(filepath.Join(dir, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "echo \"$TO from $FROM: $SUBJECT\" > delivered.tmp && mv delivered.tmp delivered.txt\necho script saw $TO\n"
	if err := os.WriteFile(filepath.Join(dir, "scripts", "every.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir, "/MDA", "/NICE:50")
	id := mdaDrop(t, dir, "robot@far.example", "alice@test.example")
	got := mdaWaitFile(t, in, filepath.Join(dir, "delivered.txt"))
	if want := "alice@test.example from robot@far.example: dropped " + string(id) + "\n"; got != want {
		t.Fatalf("delivered.txt %q, want %q", got, want)
	}
	if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	in.wait(15 * time.Second)
	if out := in.out(); !strings.Contains(out, "script output: script saw alice@test.example") || !strings.Contains(out, "every.sh for alice@test.example: exit status 0") {
		t.Fatalf("console lacks the script's run:\n%s", out)
	}
}
