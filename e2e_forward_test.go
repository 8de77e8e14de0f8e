//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// TestForwardFailureNoticeToForgedSender (issue 22): a message that came
// from outside without logging in, to an alias forwarding to another
// domain, fails at the next hop (smtp-sink refuses every recipient). Its
// sender may be forged, so no failure notice reveals the alias target: the
// set is kept in failed/ and the log says why. The same message from a
// logged-in sender gets its notice, naming the target (positive control).
func TestForwardFailureNoticeToForgedSender(t *testing.T) {
	t.Parallel()
	swaks := testutil.Program(t, "swaks")
	src := outsideAddr(t, "192.0.2.31")
	sink, _ := mxaSink(t, "-f", "RCPT")
	ini := strings.Replace(mxaINI(sink), "[Config]\n", "[Config]\nSMTPEnableFailureBounce=True\n", 1) +
		"[EmailAlias]\nItem1=fwd@test.example,secret-target@far.example\n"
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir, "/RELAY:2")
	send := func(subject string, auth ...string) {
		t.Helper()
		args := append([]string{"--server", in.addr, "--local-interface", src, "--helo", "client.example",
			"--from", "alice@test.example", "--to", "fwd@test.example", "--header", "Subject: " + subject}, auth...)
		if out, err := exec.Command(swaks, args...).CombinedOutput(); err != nil {
			t.Fatalf("swaks: %v\n%s", err, out)
		}
	}
	send("forged")
	waitGlob(t, filepath.Join(dir, "queue", "failed", "*.auth"), 1, in)
	send("logged in", "--auth", "PLAIN", "--auth-user", "alice@test.example", "--auth-password", "secret")
	waitGlob(t, filepath.Join(dir, "queue", "failed", "*.auth"), 2, in)
	notices := waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, in)
	if code, out := mailq(t, dir, "/stop:smtp"); code != 0 {
		t.Fatalf("/stop:smtp exit %d:\n%s", code, out)
	}
	in.wait(15 * time.Second)
	if left, _ := filepath.Glob(filepath.Join(dir, "queue", "*.auth")); len(left) != 0 {
		t.Fatalf("left in the queue: %q", left)
	}
	notices, _ = filepath.Glob(filepath.Join(dir, "users", "alice@test.example", "*.eml"))
	if len(notices) != 1 {
		t.Fatalf("alice has %d notices, want 1 (for the logged-in message only)", len(notices))
	}
	data, err := os.ReadFile(notices[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Subject: logged in", "Final-Recipient: rfc822; secret-target@far.example",
		"Original-Recipient: rfc822; fwd@test.example"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the notice lacks %q:\n%s", want, data)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "mxa-*.log"))
	var text string
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		text += string(b)
	}
	if !strings.Contains(text+in.out(), "no failure notice names <secret-target@far.example>") {
		t.Errorf("no log line says why the forged sender got no notice:\n%s\n%s", text, in.out())
	}
}
