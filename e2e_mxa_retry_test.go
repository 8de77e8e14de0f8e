//go:build unix

package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/queue"
	"mailq/resolve/dnstest"
)

// End-to-end tests of the MXA's retries, expiry, SMTPDeleteOnSend and
// MX=DNS through the real binary, with Postfix's smtp-sink as the next hop
// (-r RCPT: every recipient refused with a 4xx, a temporary failure).

// freeAddr returns a loopback address with a port free at the time.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// retryTree makes a tree whose MXA sends everything to gateway and retries
// after a second, with the extra [MXA] lines, and adds alice.
func retryTree(t *testing.T, gateway string, mxa ...string) string {
	t.Helper()
	ini := mxaINI(gateway) + "SendRetrySeconds=1\n" + strings.Join(mxa, "\n") + "\n"
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	return dir
}

// folder returns the path of a folder of the tree in dir (default paths).
func folder(dir, name string) string { return filepath.Join(dir, "queue", name) }

// onlyIn checks that the sets (.auth files) of the tree's queue folders
// are where want says, and nowhere else.
func onlyIn(t *testing.T, dir string, want map[string]int) {
	t.Helper()
	for _, f := range []string{"external", "retry", "sent", "failed"} {
		m, _ := filepath.Glob(filepath.Join(folder(dir, f), "*.auth"))
		if len(m) != want[f] {
			t.Errorf("%s/ holds %d sets, want %d: %v", f, len(m), want[f], m)
		}
	}
}

// sinkGot checks the one message smtp-sink dumped: for bob@far.example
// only, with the subject sent. Call it once the MXA has recorded the
// delivery: the dump is complete only after the sink's 250.
func sinkGot(t *testing.T, in *instance, dump, subject string) {
	t.Helper()
	got := waitGlob(t, filepath.Join(dump, "*"), 1, in)
	if len(got) != 1 {
		t.Fatalf("the sink got %d messages, want 1: %v", len(got), got)
	}
	data, err := os.ReadFile(got[0])
	if err != nil {
		t.Fatal(err)
	}
	msg := string(data)
	if strings.Count(msg, "X-Rcpt-Args: ") != 1 || !strings.Contains(msg, "X-Rcpt-Args: <bob@far.example>") ||
		!strings.Contains(msg, "Subject: "+subject) {
		t.Errorf("the sink's copy:\n%s", msg)
	}
}

// deferred submits a message for bob@far.example to a gateway that refuses
// it for now, and waits for the retry copy. It returns the copy's name.
func deferred(t *testing.T, in *instance, dir, subject string) string {
	t.Helper()
	mxaSubmit(t, in.addr, "bob@far.example", subject)
	copies := waitGlob(t, filepath.Join(folder(dir, "retry"), "*.auth"), 1, in)
	auth, _ := os.ReadFile(copies[0])
	if !strings.Contains(string(auth), "bob@far.example") || !strings.Contains(string(auth), "4") {
		t.Errorf("retry copy:\n%s", auth)
	}
	return filepath.Base(copies[0])
}

// TestMXATemporaryFailureThenRetry: the gateway answers 4xx, the recipient
// waits in retry/; once the gateway accepts, the retry delivers it once and
// the copy ends in sent/.
func TestMXATemporaryFailureThenRetry(t *testing.T) {
	t.Parallel()
	gw := freeAddr(t)
	_, stop := sinkAt(t, gw, "-r", "RCPT")
	dir := retryTree(t, gw)
	in := start(t, dir)
	name := deferred(t, in, dir, "retried")
	stop()
	dump, _ := sinkAt(t, gw)
	waitGlob(t, filepath.Join(folder(dir, "sent"), name), 1, in)
	sinkGot(t, in, dump, "retried")
	onlyIn(t, dir, map[string]int{"sent": 1})
}

// TestMXARetrySurvivesRestart: the binary is killed while a recipient
// waits in retry/; restarted, it finds the copy and delivers it.
func TestMXARetrySurvivesRestart(t *testing.T) {
	t.Parallel()
	gw := freeAddr(t)
	_, stop := sinkAt(t, gw, "-r", "RCPT")
	dir := retryTree(t, gw)
	in := start(t, dir)
	name := deferred(t, in, dir, "restarted")
	in.kill()
	stop()
	dump, _ := sinkAt(t, gw)
	again := start(t, dir)
	waitGlob(t, filepath.Join(folder(dir, "sent"), name), 1, again)
	sinkGot(t, again, dump, "restarted")
	onlyIn(t, dir, map[string]int{"sent": 1})
}

// TestMXAExpiryToFailed: a set received two hours ago, with MessageExpiry
// one minute, meets a temporary failure: the MXA gives up (4.4.7) and the
// set goes to failed/, not to retry/.
func TestMXAExpiryToFailed(t *testing.T) {
	t.Parallel()
	gw := freeAddr(t)
	sinkAt(t, gw, "-r", "RCPT")
	dir := retryTree(t, gw, "MessageExpiry=1")
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	env := &queue.Envelope{ID: queue.NewID(time.Now()), ClientIP: netip.MustParseAddr("127.0.0.1"),
		Helo: "client.example", From: "alice@test.example", Received: time.Now().Add(-2 * time.Hour),
		Recipients: []queue.Recipient{{Addr: "bob@far.example"}}}
	if err := tree.WriteSet(queue.Incoming, env, strings.NewReader("Subject: old\r\n\r\nold mail\r\n")); err != nil {
		t.Fatal(err)
	}
	in := start(t, dir)
	failed := waitGlob(t, filepath.Join(folder(dir, "failed"), "*.auth"), 1, in)
	auth, _ := os.ReadFile(failed[0])
	if !strings.Contains(string(auth), "4.4.7") || !strings.Contains(string(auth), "MessageExpiry") {
		t.Errorf("failed/ envelope does not say it expired:\n%s", auth)
	}
	onlyIn(t, dir, map[string]int{"failed": 1})
}

// TestMXADeleteOnSend: with SMTPDeleteOnSend the delivered set is removed
// instead of moved to sent/ (TestMXARelayToSink shows the default).
func TestMXADeleteOnSend(t *testing.T) {
	t.Parallel()
	gw := freeAddr(t)
	dump, _ := sinkAt(t, gw)
	ini := strings.Replace(mxaINI(gw), "[Config]\n", "[Config]\nSMTPDeleteOnSend=True\n", 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir)
	mxaSubmit(t, in.addr, "bob@far.example", "deleted on send")
	waitSentLogged(t, in, dir) // after the sink's 250: its dump is complete
	sinkGot(t, in, dump, "deleted on send")
	onlyIn(t, dir, map[string]int{})
	if m, _ := filepath.Glob(filepath.Join(folder(dir, "sent"), "*")); len(m) != 0 {
		t.Errorf("sent/ holds %v", m)
	}
}

// waitSentLogged waits until the MXA log has a SENT row and external/
// holds no set: the set has left external/, moved or deleted.
func waitSentLogged(t *testing.T, in *instance, dir string) {
	t.Helper()
	var rows []byte
	var left []string
	testutil.EventuallyShow(t, "a SENT row and external/ empty", func() bool {
		logs, _ := filepath.Glob(filepath.Join(dir, "logs", "mxa-*.log"))
		rows = nil
		if len(logs) == 1 {
			rows, _ = os.ReadFile(logs[0])
		}
		left, _ = filepath.Glob(filepath.Join(folder(dir, "external"), "*.auth"))
		return strings.Contains(string(rows), ",SENT,") && len(left) == 0
	}, func() string { return fmt.Sprintf("external/ %v\n%s\n%s", left, rows, in.out()) })
}

// TestMXAMXByDNS: with MX=DNS the MXA asks the DNS server of DNSServer (a
// resolve/dnstest server) for far.example's MX and delivers to its address
// on port 25: smtp-sink on 192.0.2.61, added to the loopback interface.
func TestMXAMXByDNS(t *testing.T) {
	t.Parallel()
	testutil.SourceAddr(t, "192.0.2.61")
	dump, _ := sinkAt(t, "192.0.2.61:25")
	dns := dnstest.Start(t)
	dns.Add("far.example. 300 IN MX 10 mx.far.example.", "mx.far.example. 300 IN A 192.0.2.61")
	ini := strings.Replace(testINI, "[MDA]\nEnabled=False\n",
		"[MDA]\nEnabled=True\n[MXA]\nEnabled=True\nMX=DNS\n", 1)
	ini = strings.Replace(ini, "[Config]\n", "[Config]\nDNSServer="+dns.Addr+"\n", 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:alice@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
	in := start(t, dir)
	mxaSubmit(t, in.addr, "bob@far.example", "by dns")
	waitGlob(t, filepath.Join(folder(dir, "sent"), "*.auth"), 1, in)
	sinkGot(t, in, dump, "by dns")
	if dns.Queries("far.example") == 0 || dns.Queries("mx.far.example") == 0 {
		t.Errorf("DNS questions: far.example %d, mx.far.example %d", dns.Queries("far.example"), dns.Queries("mx.far.example"))
	}
}
