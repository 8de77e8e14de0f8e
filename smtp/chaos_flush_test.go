package smtp

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestChaosCloseLogged: a session ended by a "close" rule says so in its
// close line, not the generic "closed by server".
func TestChaosCloseLogged(t *testing.T) {
	t.Parallel()
	ts := startServerWith(t, (&waits{}).tweak, withChaos(chaosPlan(t, 1, "* MAIL close")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	c.expect("MAIL FROM:<a@x.example>", "250 2.1.0")
	c.closed()
	c.c.Close() // ends the server's drain at once
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if log := ts.logs.String(); !strings.Contains(log, "disconnected (chaos: close)") {
		t.Fatalf("no close by the chaos rule logged:\n%s", log)
	}
}

// TestChaosDelayFlushesPipelined: the answers to the commands pipelined
// before a delayed one reach the client during the delay, not after it
// (as TestChaosHangFlushesPipelined for a hang).
func TestChaosDelayFlushesPipelined(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := startServerWith(t, func(srv *Server) {
		srv.wait = func(ctx context.Context, _ time.Duration) bool {
			select { // the delay lasts until the test has read the earlier answers
			case <-release:
			case <-ctx.Done():
			}
			return true
		}
	}, withChaos(chaosPlan(t, 1, "slow@* RCPT delay 1h")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<admin@test.example>\r\nRCPT TO:<slow@test.example>\r\n")
	for _, want := range []string{"250 2.1.0", "250 2.1.5 <admin@"} {
		if r := c.reply(); !strings.HasPrefix(r, want) {
			t.Fatalf("got %q, want %s", r, want)
		}
	}
	close(release)
	if r := c.reply(); !strings.HasPrefix(r, "250 2.1.5 <slow@") {
		t.Fatalf("after the delay: got %q", r)
	}
}

// writesConn records the server's writes, one entry per Write call.
type writesConn struct {
	net.Conn
	mu     *sync.Mutex
	writes *[]string
}

func (c writesConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	*c.writes = append(*c.writes, string(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

type writesListener struct {
	net.Listener
	mu     sync.Mutex
	writes []string
}

func (l *writesListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return writesConn{c, &l.mu, &l.writes}, nil
}

func (l *writesListener) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.writes...)
}

// TestChaosPipelinedOneWrite: rules for a stage that fire nothing (no
// delay, no reply) leave pipelining alone: the answers to a batch of
// commands still leave in one write (RFC 2920 §3.2), as without rules.
func TestChaosPipelinedOneWrite(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &writesListener{Listener: inner}
	ts := startServerOn(t, ln, (&waits{}).tweak,
		withChaos(chaosPlan(t, 1, "nobody@* MAIL 550 5.7.1 No", "nobody@* RCPT 550 5.1.1 No")))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO c.example", "250")
	before := len(ln.got())
	c.write("MAIL FROM:<a@x.example>\r\nRCPT TO:<admin@test.example>\r\nRCPT TO:<bob@test.example>\r\n")
	for _, want := range []string{"250 2.1.0", "250 2.1.5 <admin@", "250 2.1.5 <bob@"} {
		if r := c.reply(); !strings.HasPrefix(r, want) {
			t.Fatalf("got %q, want %s", r, want)
		}
	}
	if w := ln.got()[before:]; len(w) != 1 {
		t.Fatalf("the answers to one batch left in %d writes, want 1: %q", len(w), w)
	}
}
