//go:build unix

package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// End-to-end tests of the sink instance (/SINK) and the [Chaos] rules with
// the real binary and real clients: the MXA's retry path against our own
// sink, swaks and smtplib against the sink's rules, a replay by seed.

// sinkINI is a tree for a sink on a free port with the given [Chaos] lines.
func sinkINI(keep bool, chaos ...string) string {
	k := "False"
	if keep {
		k = "True"
	}
	return "[Config]\nBind=127.0.0.1\nHostName=sink.test\nSinkPort=0\nTimeout=5\nLogLevel=2\nSinkKeep=" + k +
		"\n[Chaos]\n" + strings.Join(chaos, "\n") + "\n"
}

// startSink starts "mailq /SINK" in a new tree and returns it and its folder.
func startSink(t *testing.T, keep bool, chaos ...string) (*instance, string) {
	t.Helper()
	dir := newTree(t, sinkINI(keep, chaos...))
	return start(t, dir, "/SINK"), dir
}

// stopSink stops the sink with /STOP:SINK and returns its output.
func stopSink(t *testing.T, in *instance, dir string) string {
	t.Helper()
	if code, out := mailq(t, dir, "/stop:sink"); code != 0 {
		t.Fatalf("/stop:sink exit %d:\n%s", code, out)
	}
	if code := in.wait(20 * time.Second); code != 0 {
		t.Errorf("the sink exited with %d:\n%s", code, in.out())
	}
	if _, err := os.Stat(filepath.Join(dir, "sinkserver.lck")); !os.IsNotExist(err) {
		t.Errorf("sinkserver.lck left behind: %v", err)
	}
	return in.out()
}

// TestMXARetryThroughOwnSink: "mailq /MXA" relays to "mailq /SINK", which
// soft-rejects the first two attempts (2x); the recipient waits in retry/
// twice, the third attempt is accepted, the sink keeps the message, and the
// set ends in sent/.
func TestMXARetryThroughOwnSink(t *testing.T) {
	t.Parallel()
	sink, sinkDir := startSink(t, true, "Seed=7", "Rule1=* RCPT 2x 451 4.3.0 Try again later")
	dir := retryTree(t, sink.addr)
	in := start(t, dir)
	mxaSubmit(t, in.addr, "bob@far.example", "through our own sink")
	waitGlob(t, filepath.Join(folder(dir, "sent"), "*.auth"), 1, in)
	kept := waitGlob(t, filepath.Join(sinkDir, "queue", "*.eml"), 1, sink)
	data, err := os.ReadFile(kept[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Subject: through our own sink") || !strings.Contains(string(data), "by sink.test") {
		t.Errorf("the sink's copy:\n%s", data)
	}
	if n := strings.Count(sink.out(), "chaos Rule1"); n != 2 {
		t.Errorf("the sink logged %d chaos decisions, want 2:\n%s", n, sink.out())
	}
	if out := in.out(); strings.Count(out, "451 4.3.0 Try again later") < 2 {
		t.Errorf("the MXA did not see both refusals:\n%s", out)
	}
	onlyIn(t, dir, map[string]int{"sent": 1})
	out := stopSink(t, sink, sinkDir)
	if !strings.Contains(out, "1 message(s) accepted") {
		t.Errorf("no final count:\n%s", out)
	}
}

// sinkPython sends one message to three recipients (one refused for good,
// one for now), then one to a recipient whose RCPT drops the connection,
// and prints what happened.
const sinkPython = `
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
s = smtplib.SMTP(host, port, timeout=20)
s.ehlo("client.example")
refused = s.sendmail("app@client.example", ["ok@any.example", "fail+7@any.example", "soft@other.example"],
    "Subject: sink\r\n\r\nbody\r\n")
for r in sorted(refused):
    print(r, refused[r][0], refused[r][1].decode())
s.quit()
s = smtplib.SMTP(host, port, timeout=20)
try:
    s.sendmail("app@client.example", ["drop@any.example"], "Subject: sink\r\n\r\nbody\r\n")
    print("drop: accepted")
except smtplib.SMTPServerDisconnected:
    print("drop: disconnected")
`

// TestSinkSmtplibSwaks: the sink's rules by recipient pattern, seen by
// smtplib (refusals reported per recipient, a dropped connection) and
// swaks (a hard refusal fails the run); without SinkKeep nothing is kept.
func TestSinkSmtplibSwaks(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	swaks := testutil.Program(t, "swaks")
	sink, dir := startSink(t, false,
		"Rule1=fail+*@ RCPT 550 5.1.1 No such user",
		"Rule2=soft@* RCPT 451 4.2.1 Mailbox busy",
		"Rule3=drop@ RCPT drop")
	host, port, _ := net.SplitHostPort(sink.addr)
	out, err := exec.Command(py, "-c", sinkPython, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s\n%s", err, out, sink.out())
	}
	want := "fail+7@any.example 550 5.1.1 No such user\nsoft@other.example 451 4.2.1 Mailbox busy\ndrop: disconnected\n"
	if string(out) != want {
		t.Errorf("smtplib:\n%s\nwant\n%s", out, want)
	}
	sw := func(to string) (string, error) {
		b, err := exec.Command(swaks, "--server", sink.addr, "--helo", "client.example",
			"--from", "app@client.example", "--to", to, "--body", "hello").CombinedOutput()
		return string(b), err
	}
	if b, err := sw("anyone@anywhere.example"); err != nil || !strings.Contains(b, "250 2.0.0 OK queued as") {
		t.Errorf("swaks to an ordinary address: %v\n%s", err, b)
	}
	if b, err := sw("fail+x@anywhere.example"); err == nil || !strings.Contains(b, "550 5.1.1 No such user") {
		t.Errorf("swaks to fail+x@: %v (want a failure)\n%s", err, b)
	}
	if b, err := exec.Command(swaks, "--server", sink.addr, "--tls", "--helo", "client.example",
		"--from", "app@client.example", "--to", "tls@anywhere.example", "--body", "hello").CombinedOutput(); err != nil ||
		!strings.Contains(string(b), "TLS started") || !strings.Contains(string(b), "250 2.0.0 OK queued as") {
		t.Errorf("swaks with STARTTLS: %v\n%s", err, b)
	}
	final := stopSink(t, sink, dir)
	if m, _ := filepath.Glob(filepath.Join(dir, "queue", "*")); len(m) != 0 {
		for _, f := range m {
			if st, err := os.Stat(f); err == nil && !st.IsDir() {
				t.Errorf("the sink kept %s without SinkKeep", f)
			}
		}
	}
	if !strings.Contains(final, "3 message(s) accepted") {
		t.Errorf("final count:\n%s", final)
	}
}

// replayPython opens three sessions one after another and prints each
// RCPT's reply code.
const replayPython = `
import smtplib, sys
host, port = sys.argv[1], int(sys.argv[2])
for n in range(3):
    s = smtplib.SMTP(host, port, timeout=20)
    s.ehlo("client.example")
    s.mail("app@client.example")
    codes = [str(s.rcpt("r%d@any.example" % i)[0]) for i in range(12)]
    print(" ".join(codes))
    s.quit()
`

// TestSinkReplayBySeed: two runs of the binary with the same seed answer
// the same sessions alike; the seed is printed at start.
func TestSinkReplayBySeed(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	run := func(seed string) string {
		sink, dir := startSink(t, false, "Seed="+seed, "Rule1=* RCPT 40% 451 4.3.0 Coin says later")
		host, port, _ := net.SplitHostPort(sink.addr)
		out, err := exec.Command(py, "-c", replayPython, host, port).CombinedOutput()
		if err != nil {
			t.Fatalf("python: %v\n%s", err, out)
		}
		if !strings.Contains(sink.out(), "seed "+seed) {
			t.Errorf("the seed is not in the output:\n%s", sink.out())
		}
		stopSink(t, sink, dir)
		return string(out)
	}
	first, again, other := run("1234"), run("1234"), run("1235")
	if first != again {
		t.Errorf("the same seed gave\n%s\nthen\n%s", first, again)
	}
	if !strings.Contains(first, "451") || !strings.Contains(first, "250") {
		t.Errorf("40%% of 36 recipients refused should be some, not all or none:\n%s", first)
	}
	if first == other {
		t.Errorf("seeds 1234 and 1235 gave the same replies:\n%s", first)
	}
}

// TestSinkRulesByClientIP: a CONNECT rule matched against the client's
// address refuses a client from outside (192.0.2.150, added to lo) and
// greets one on loopback; a HELO hang from outside ends at Timeout with a
// close and no answer.
func TestSinkRulesByClientIP(t *testing.T) {
	t.Parallel()
	d := remoteSource(t, "192.0.2.150")
	sink, dir := startSink(t, false,
		"Rule1=192.0.2.150 CONNECT 50% 554 5.7.1 Not from there",
		"Rule2=hang.example HELO hang")
	if g := greeting(t, sink.addr); !strings.HasPrefix(g, "220 ") {
		t.Errorf("loopback greeted with %q", g)
	}
	refused, greeted := 0, 0
	for range 12 {
		c, err := d.Dial("tcp", sink.addr)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := r.ReadString('\n')
		switch {
		case err != nil:
			t.Fatalf("reading the greeting: %v", err)
		case line == "554 5.7.1 Not from there\r\n":
			refused++
			testutil.ClosedByServer(t, c, r, 10*time.Second)
		case strings.HasPrefix(line, "220 "):
			greeted++
			if greeted == 1 { // once: it lasts Timeout (5 s)
				c.Write([]byte("EHLO hang.example\r\n"))
				testutil.ClosedByServer(t, c, r, 20*time.Second)
			}
		default:
			t.Fatalf("greeting %q", line)
		}
		c.Close()
	}
	if refused == 0 || greeted == 0 {
		t.Errorf("refused %d, greeted %d of 12: want some of each at 50%%", refused, greeted)
	}
	out := stopSink(t, sink, dir)
	if !strings.Contains(out, "chaos Rule2 (hang.example HELO): hang") {
		t.Errorf("no hang logged:\n%s", out)
	}
}

// TestMXASendChaosToSink: the SMTP instance's own [Chaos] rules: RCPT
// refuses one address to swaks, and SEND fails the MXA's first attempt
// (1x) without connecting; the retry reaches the sink, which keeps the
// message, and the set ends in sent/.
func TestMXASendChaosToSink(t *testing.T) {
	t.Parallel()
	sink, sinkDir := startSink(t, true)
	dir := retryTree(t, sink.addr, "[Chaos]", "Seed=3", "Rule1=*@far.example SEND 1x 451 4.4.1 Pretend the remote is down",
		"Rule2=nobody@* RCPT 550 5.1.1 Chaos says no")
	in := start(t, dir)
	swaks := testutil.Program(t, "swaks")
	if b, err := exec.Command(swaks, "--server", in.addr, "--helo", "client.example",
		"--auth", "PLAIN", "--auth-user", "alice@test.example", "--auth-password", "secret",
		"--from", "alice@test.example", "--to", "nobody@far.example").CombinedOutput(); err == nil ||
		!strings.Contains(string(b), "550 5.1.1 Chaos says no") {
		t.Errorf("swaks to nobody@: %v (want a failure)\n%s", err, b)
	}
	mxaSubmit(t, in.addr, "bob@far.example", "past the chaos")
	waitGlob(t, filepath.Join(folder(dir, "sent"), "*.auth"), 1, in)
	waitGlob(t, filepath.Join(sinkDir, "queue", "*.auth"), 1, sink)
	out := in.out()
	for _, want := range []string{"chaos Rule1 (*@far.example SEND): 451 4.4.1 Pretend the remote is down",
		"chaos Rule2 (nobody@* RCPT): 550 5.1.1 Chaos says no", "seed 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("the SMTP instance's output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(sink.out(), "connected on"); n != 1 {
		t.Errorf("the sink saw %d sessions, want 1 (the faked attempt connects to nothing)", n)
	}
	onlyIn(t, dir, map[string]int{"sent": 1})
}
