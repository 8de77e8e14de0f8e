//go:build unix

package mxa

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/queue"
)

// sink is Postfix's smtp-sink, a real SMTP server that accepts everything,
// dumping each message into a folder.
type sink struct {
	addr string
	dump string // folder of dumped messages
}

// startSink runs smtp-sink on loopback. smtp-sink cannot tell which port
// it got, so this one test helper picks a free port first and waits until
// the sink accepts connections on it.
func startSink(t testing.TB) *sink {
	t.Helper()
	prog := testutil.Program(t, "smtp-sink")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Not under t.TempDir(), whose folders only we may enter: the sink runs
	// as nobody when the tests run as root.
	dump, err := os.MkdirTemp("", "mailq-sink")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dump) })
	os.Chmod(dump, 0o777)
	args := []string{"-d", dump + "/%H%M%S.", "-m", "512", addr, "512"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	testutil.Eventually(t, "smtp-sink listening on "+addr, testutil.Dials(addr))
	return &sink{addr: addr, dump: dump}
}

// messages returns the messages the sink dumped.
func (s *sink) messages(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dump)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(s.dump, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// TestSmtpSink relays a batch of messages to smtp-sink.
func TestSmtpSink(t *testing.T) {
	t.Parallel()
	s := startSink(t)
	f := newFixture(t, nil, func(o *Options) {
		o.MXA.MX, o.MXA.Gateway = config.MXGateway, s.addr
		o.Rescan = 20 * time.Millisecond
	})
	const n = 20
	for i := range n {
		f.put(queue.External, "alice@origin.test", "rcpt"+strconv.Itoa(i)+"@example.org", "x@example.net")
	}
	wait := f.start()
	wait("every set in sent/", func() bool { return len(f.list(queue.Sent)) == n })
	msgs := s.messages(t)
	if len(msgs) != n {
		t.Fatalf("the sink has %d messages, want %d", len(msgs), n)
	}
	for _, m := range msgs {
		// The dump starts with the envelope; the data follows unstuffed.
		if !strings.Contains(m, "x@example.net") || !strings.Contains(m, "\n.leading dot") {
			t.Errorf("dumped message:\n%s", m)
			break
		}
	}
}
