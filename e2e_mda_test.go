package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
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

// mdaPython sends two messages with smtplib: one to three local users and
// an alias of the first (RFC 5321 §3.3: one transaction, four RCPTs), and
// one to the alias alone. It prints each 250's queue id.
const mdaPython = `
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
s = smtplib.SMTP(host, port, timeout=30)
s.ehlo("python.example")
def send(rcpts, subject):
    msg = ("From: Python <py@far.example>\r\nReturn-Path: <forged@evil.example>\r\nTo: staff@test.example\r\n"
           "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@far.example>\r\nSubject: %s\r\n\r\nhello\r\n.dot\r\n"
           % (subject.replace(" ", "."), subject)).encode()
    s.mail("py@far.example")
    for r in rcpts:
        code, text = s.rcpt(r)
        assert code == 250, (r, code, text)
    code, text = s.data(msg)
    assert code == 250, (code, text)
    print(text.decode().split()[-1])
send(["alice@test.example", "bob@test.example", "carol@test.example", "sales@test.example"], "to all")
send(["sales@test.example"], "to the alias")
s.quit()
`

// TestMDASmtplib runs the real binary with /MDA and sends with Python's
// smtplib to three accounts and an alias: the commit hook wakes the MDA,
// and each mailbox holds exactly one copy of each message meant for it,
// with one Return-Path (ours, not the client's), Delivered-To,
// X-Original-To where the alias changed the address, and the SMTP
// server's trace fields below them.
func TestMDASmtplib(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	ini := testINI + "[EmailAlias]\nItem1=sales@test.example,alice@test.example\n"
	dir := newTree(t, ini)
	users := []string{"alice@test.example", "bob@test.example", "carol@test.example"}
	for _, u := range users {
		if code, out := mailq(t, dir, "/adduser:"+u, "/pw:secret"); code != 0 {
			t.Fatalf("/adduser exit %d:\n%s", code, out)
		}
	}
	// Two-way relay: mail from other domains to local users, as from the
	// Internet. The rescan is every minute (the most), after the one at
	// start: only the SMTP server's commit hook can wake the MDA in time.
	in := start(t, dir, "/MDA", "/RELAY:2", "/NICE:60000")
	host, port, _ := net.SplitHostPort(in.addr)
	cmd := exec.Command(py, "-c", mdaPython, host, port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, out, in.out())
	}
	ids := strings.Fields(string(out))
	if len(ids) != 2 {
		t.Fatalf("python printed %q, want two queue ids", out)
	}
	all, alias := ids[0], ids[1]
	mbox := func(u string) string { return filepath.Join(dir, "users", u) }
	// Each mailbox is listed only after every copy meant for it is there;
	// a second copy of a set could only have the same name, so what is
	// checked is that nothing else (a copy for the alias) was written.
	got := mdaWaitFile(t, in, filepath.Join(mbox("alice@test.example"), alias+".eml"))
	mdaCheckCopy(t, got, "alice@test.example", "sales@test.example", "to the alias")
	for _, u := range users {
		copy := mdaWaitFile(t, in, filepath.Join(mbox(u), all+".eml"))
		mdaCheckCopy(t, copy, u, "", "to all")
		want := []string{all + ".eml"}
		if u == "alice@test.example" {
			want = append(want, alias+".eml") // the alias in the first message got no second copy
		}
		var names []string
		entries, err := os.ReadDir(mbox(u))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".eml") {
				names = append(names, e.Name())
			}
		}
		slices.Sort(names)
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Errorf("%s holds %q, want %q", u, names, want)
		}
	}
	if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	in.wait(15 * time.Second)
	if left, _ := filepath.Glob(filepath.Join(dir, "queue", "*.auth")); len(left) != 0 {
		t.Errorf("left in the queue: %q", left)
	}
	if out := in.out(); !strings.Contains(out, "alice@test.example: duplicate (sent to sales@test.example)") {
		t.Errorf("console does not mention the duplicate alias copy:\n%s", out)
	}
}

// mdaCheckCopy checks the top of a delivered copy and that the message
// below it is the client's, intact.
func mdaCheckCopy(t *testing.T, copy, mailbox, orig, subject string) {
	t.Helper()
	top := "Return-Path: <py@far.example>\r\nDelivered-To: " + mailbox + "\r\n"
	if orig != "" {
		top += "X-Original-To: " + orig + "\r\n"
	}
	top += "Received: from python.example "
	if !strings.HasPrefix(copy, top) {
		t.Errorf("%s's copy does not start with %q:\n%s", mailbox, top, copy)
	}
	if n := strings.Count(strings.ToLower(copy), "return-path:"); n != 1 { // the client's forged one is gone
		t.Errorf("%s's copy has %d Return-Path fields:\n%s", mailbox, n, copy)
	}
	if n := strings.Count(copy, "Delivered-To:"); n != 1 {
		t.Errorf("%s's copy has %d Delivered-To fields", mailbox, n)
	}
	if !strings.Contains(copy, "\r\nX-GUID: ") || !strings.HasSuffix(copy, "Subject: "+subject+"\r\n\r\nhello\r\n.dot\r\n") {
		t.Errorf("%s's copy lost the message:\n%s", mailbox, copy)
	}
}

// TestMDAKilled kills the real binary (kill -9) while its MDA files a full
// queue, starts it again, and checks the tree (DURABILITY rule 15): every
// set is in each mailbox, the unknown folder and the external queue exactly
// once, and nothing is left in the queue or put aside as bad.
func TestMDAKilled(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("uses kill -9")
	}
	dir := newTree(t, "")
	for _, u := range []string{"alice@test.example", "bob@test.example"} {
		if code, out := mailq(t, dir, "/adduser:"+u, "/pw:secret"); code != 0 {
			t.Fatalf("/adduser exit %d:\n%s", code, out)
		}
	}
	const n = 150
	want := map[string]bool{}
	for range n {
		id := mdaDrop(t, dir, "robot@far.example", "alice@test.example", "bob@test.example",
			"Postmaster@test.example", "someone@far.example")
		want[string(id)] = true
	}
	folders := map[string]string{ // what a folder holds when done → its files' suffix
		filepath.Join(dir, "users", "alice@test.example"):                 ".eml",
		filepath.Join(dir, "users", "bob@test.example"):                   ".eml",
		filepath.Join(dir, "users", "unknown", "postmaster@test.example"): ".eml",
		filepath.Join(dir, "queue", "external"):                           ".auth",
	}
	first := startNoWait(t, dir, "/MDA")
	alice := filepath.Join(dir, "users", "alice@test.example")
	// This loop times the kill, so it checks every millisecond rather than
	// at testutil.Eventually's growing intervals, which would let the MDA
	// finish first.
	for deadline := time.Now().Add(testutil.WaitLimit); ; {
		if m, _ := filepath.Glob(filepath.Join(alice, "*.eml")); len(m) >= n/3 { // mid-way
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery within %v:\n%s", testutil.WaitLimit, first.out())
		}
		time.Sleep(time.Millisecond)
	}
	first.cmd.Process.Kill()
	first.wait(10 * time.Second)
	left, _ := filepath.Glob(filepath.Join(dir, "queue", "*.auth"))
	copies, _ := filepath.Glob(filepath.Join(alice, "*.eml"))
	t.Logf("killed with %d of %d sets left in the queue, %d in alice's mailbox", len(left), n, len(copies))

	second := start(t, dir, "/MDA", "/NICE:50")
	var ext []string
	testutil.EventuallyShow(t, "the queue empty and every set external", func() bool {
		left, _ = filepath.Glob(filepath.Join(dir, "queue", "*.auth"))
		ext, _ = filepath.Glob(filepath.Join(dir, "queue", "external", "*.auth"))
		return len(left) == 0 && len(ext) >= n
	}, func() string {
		return fmt.Sprintf("%d sets queued, %d external\n%s", len(left), len(ext), second.out())
	})
	if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	second.wait(15 * time.Second)
	for folder, suffix := range folders {
		entries, err := os.ReadDir(folder)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), suffix) {
				continue
			}
			id := strings.TrimSuffix(e.Name(), suffix)
			if !want[id] || got[id] {
				t.Errorf("%s: unexpected %s", folder, e.Name())
			}
			got[id] = true
		}
		if len(got) != n {
			t.Errorf("%s holds %d sets, want %d", folder, len(got), n)
		}
	}
	for _, sub := range []string{"queue", filepath.Join("queue", "bad")} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			// Not sets, and left for a later start's Recover (which acts
			// only on files older than any session): the temporary file
			// of an .auth being completed when the kill came, and the
			// .eml of a set filed completely whose removal (.auth first)
			// the kill cut in half.
			name := e.Name()
			temp := strings.HasPrefix(name, "~") && strings.HasSuffix(name, ".tmp")
			orphan := sub == "queue" && strings.HasSuffix(name, ".eml") && want[strings.TrimSuffix(name, ".eml")]
			if orphan {
				t.Logf("left in the queue by the kill: %s", name)
			}
			if !e.IsDir() && !temp && !orphan {
				t.Errorf("left in %s: %s", sub, name)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(alice, firstKey(want)+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	if c := strings.Count(string(data), "Delivered-To:"); c != 1 {
		t.Fatalf("a copy has %d Delivered-To fields:\n%s", c, data)
	}
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}
