package smtp

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// readsConn counts the octets the server reads from a TCP connection.
type readsConn struct {
	*net.TCPConn
	n *atomic.Int64
}

func (c readsConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type readsListener struct {
	net.Listener
	n atomic.Int64
}

func (l *readsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return readsConn{c.(*net.TCPConn), &l.n}, nil
}

// TestCloseDrainsClientData: a client that sent more after QUIT has it
// read (up to 64 KB) before the socket closes, since closing with unread
// data would send a reset that can destroy the 221 on its way.
func TestCloseDrainsClientData(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &readsListener{Listener: inner}
	ts := startServerOn(t, ln, nil)
	c, _ := dial(t, ts.addr)
	// QUIT and, in the same write, far more than one read of the server's
	// 4 KB buffer: what follows QUIT is still in the socket at the close.
	sent := "QUIT\r\n" + strings.Repeat("after quit\r\n", 2000)
	c.write(sent)
	if r := c.reply(); !strings.HasPrefix(r, "221 ") {
		t.Fatalf("QUIT answered %q", r)
	}
	if err := c.c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.closed()
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if got := ln.n.Load(); got != int64(len(sent)) {
		t.Fatalf("the server read %d of the %d octets sent before closing", got, len(sent))
	}
}
