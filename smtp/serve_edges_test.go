package smtp

import (
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestHostNameDefault: with no HostName the server calls itself localhost.
func TestHostNameDefault(t *testing.T) {
	t.Parallel()
	ts := startServer(t, func(o *Options) { o.Server.HostName = "" })
	if _, greet := dial(t, ts.addr); greet != "220 localhost ESMTP mailq ready" {
		t.Fatalf("greeted with %q", greet)
	}
}

// abortingListener fails its first Accepts with ECONNABORTED, a temporary
// error, then accepts for real.
type abortingListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *abortingListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.fails > 0
	if fail {
		l.fails--
	}
	l.mu.Unlock()
	if fail {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.ECONNABORTED}
	}
	return l.Listener.Accept()
}

// TestAcceptRetries: a temporary accept error is logged and retried after
// a pause that doubles from 5ms, and the server then serves as before.
func TestAcceptRetries(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := startServerOn(t, &abortingListener{Listener: inner, fails: 3}, nil)
	c, greet := dial(t, ts.addr)
	if !strings.HasPrefix(greet, "220 ") {
		t.Fatalf("greeted with %q", greet)
	}
	c.expect("QUIT", "221 ")
	log := ts.logs.String()
	for _, want := range []string{"retrying in 5ms", "retrying in 10ms", "retrying in 20ms"} {
		if !strings.Contains(log, want) {
			t.Fatalf("no %q in the log:\n%s", want, log)
		}
	}
}
