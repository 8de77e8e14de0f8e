//go:build unix

package main

import (
	"context"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mailq/internal/testutil"
)

// End-to-end tests of the Mail Exchange Agent with real programs on both
// sides: swaks submits to the real binary, whose SMTP server, MDA and MXA
// carry the mail to Postfix's smtp-sink; a failure notice comes back to the
// sender's mailbox and is read over POP3.

// mxaSink runs smtp-sink on a free loopback port with extra options (for
// example -f RCPT: refuse every recipient with 5xx) and returns its address
// and the folder it dumps messages into.
func mxaSink(t *testing.T, opts ...string) (addr, dump string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close() // smtp-sink cannot report the port it got, so it is chosen here
	dump, _ = sinkAt(t, addr, opts...)
	return addr, dump
}

// sinkAt runs smtp-sink on addr with extra options and returns the folder
// it dumps messages into and a function that stops it (the test's cleanup
// stops it too).
func sinkAt(t *testing.T, addr string, opts ...string) (dump string, stop func()) {
	t.Helper()
	prog := testutil.Program(t, "smtp-sink")
	// Not under t.TempDir(): the sink runs as nobody when the tests run as root.
	dump, err := os.MkdirTemp("", "mailq-e2e-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	os.Chmod(dump, 0o777)
	args := append(opts, "-d", dump+"/%H%M%S.", addr, "64")
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prog, args...)
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); cmd.Wait() }) }
	t.Cleanup(stop)
	testutil.Eventually(t, "smtp-sink listening on "+addr, testutil.Dials(addr))
	return dump, stop
}

// mxaINI is testINI with the MDA on and the MXA sending everything to
// gateway.
func mxaINI(gateway string) string {
	return strings.Replace(testINI, "[MDA]\nEnabled=False\n",
		"[MDA]\nEnabled=True\n[MXA]\nEnabled=True\nMX=Gateway\nGateway="+gateway+"\n", 1)
}

// mxaSubmit sends one message with swaks, logged in as alice.
func mxaSubmit(t *testing.T, addr, to, subject string) {
	t.Helper()
	swaks := testutil.Program(t, "swaks")
	out, err := exec.Command(swaks, "--server", addr, "--helo", "client.example",
		"--auth", "PLAIN", "--auth-user", "alice@test.example", "--auth-password", "secret",
		"--from", "alice@test.example", "--to", to,
		"--header", "Subject: "+subject, "--body", "first line\n.a line with a dot\nlast line").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
}

// TestMXARelayToSink: a message for a local and an external recipient is
// filed for the first and relayed through the gateway (smtp-sink) for the
// second; the set ends in sent/ and mxa-YYYYMMDD.log has a row for the
// attempt and one for the result.
func TestMXARelayToSink(t *testing.T) {
	t.Parallel()
	sink, dump := mxaSink(t)
	dir := newTree(t, mxaINI(sink))
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir)
	mxaSubmit(t, in.addr, "bob@far.example,alice@test.example", "relay test")

	// The set reaches sent/ after the sink's 250, so its dump is complete.
	sent := waitGlob(t, filepath.Join(dir, "queue", "sent", "*.auth"), 1, in)
	dumped := waitGlob(t, filepath.Join(dump, "*"), 1, in)
	data, err := os.ReadFile(dumped[0])
	if err != nil {
		t.Fatal(err)
	}
	msg := string(data)
	// smtp-sink writes the envelope as headers, then the message unstuffed.
	for _, want := range []string{"X-Client-Proto: ESMTP", "X-Helo-Args: mx.test", "X-Mail-Args: <alice@test.example>",
		"X-Rcpt-Args: <bob@far.example>", "Subject: relay test", "\n.a line with a dot\n"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the sink's copy lacks %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "X-Rcpt-Args") != 1 {
		t.Errorf("the sink got other recipients than bob@far.example:\n%s", msg)
	}
	waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, in)
	auth, _ := os.ReadFile(sent[0])
	if !strings.Contains(string(auth), "bob@far.example") || !strings.Contains(string(auth), "delivered") {
		t.Errorf("sent/ envelope:\n%s", auth)
	}
	for _, f := range []string{"external", "retry", "failed"} {
		if m, _ := filepath.Glob(filepath.Join(dir, "queue", f, "*")); len(m) != 0 {
			t.Errorf("%s/ holds %v", f, m)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "mxa-*.log"))
	if len(logs) != 1 {
		t.Fatalf("MXA logs: %v", logs)
	}
	row, _ := os.ReadFile(logs[0])
	for _, want := range []string{",ATTEMPT,", ",SENT,", "bob@far.example"} {
		if !strings.Contains(string(row), want) {
			t.Errorf("mxa log lacks %q:\n%s", want, row)
		}
	}
}

// TestMXABounceToPOP3: the gateway refuses the recipient (smtp-sink -f
// RCPT), the set goes to failed/, and the sender reads the RFC 3464 notice
// over POP3 from a /pop instance of the same folder.
func TestMXABounceToPOP3(t *testing.T) {
	t.Parallel()
	sink, _ := mxaSink(t, "-f", "RCPT")
	// SMTPEnableFailureBounce is off by default, as in the manual.
	ini := strings.Replace(mxaINI(sink), "[Config]\n", "[Config]\nSMTPEnableFailureBounce=True\n", 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir)
	mxaSubmit(t, in.addr, "nobody@far.example", "doomed")
	waitGlob(t, filepath.Join(dir, "queue", "failed", "*.auth"), 1, in)
	waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, in)

	pop := start(t, dir, "/pop")
	p := popDial(t, pop.addr)
	p.login("alice@test.example", "secret")
	p.must("+OK 1 ", "STAT")
	p.must("+OK", "RETR 1")
	raw := strings.ReplaceAll(p.body(), "\n", "\r\n")
	p.must("+OK", "QUIT")
	// Undo the POP3 byte-stuffing (RFC 1939 §3) before parsing.
	raw = strings.ReplaceAll("\r\n"+raw, "\r\n..", "\r\n.")[2:]

	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("notice: %v\n%s", err, raw)
	}
	if from := m.Header.Get("From"); !strings.Contains(from, "MAILER-DAEMON@mx.test") {
		t.Errorf("From: %q", from)
	}
	if !strings.Contains(raw, "Return-Path: <>") {
		t.Errorf("the notice was not sent from the null sender:\n%s", raw)
	}
	parts := map[string]string{}
	types, bodies := testutil.ReportParts(t, m.Header, m.Body)
	for i, ct := range types {
		parts[strings.SplitN(ct, ";", 2)[0]] = bodies[i]
	}
	status := parts["message/delivery-status"]
	for _, want := range []string{"Reporting-MTA: dns; mx.test", "Final-Recipient: rfc822; nobody@far.example",
		"Action: failed", "Status: 5.", "Diagnostic-Code: smtp; 5"} {
		if !strings.Contains(status, want) {
			t.Errorf("delivery-status lacks %q:\n%s", want, status)
		}
	}
	if !strings.Contains(parts["text/rfc822-headers"], "Subject: doomed") {
		t.Errorf("original headers:\n%s", parts["text/rfc822-headers"])
	}
}
