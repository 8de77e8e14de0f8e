package testutil

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"
)

// RemoteListener is a loopback listener whose connections report a remote
// address chosen by the test: Dial says which, so one server can see
// clients from several addresses, none of them loopback (which the abuse
// controls exempt). A connection not made by Dial keeps its real address.
type RemoteListener struct {
	net.Listener
	mu    sync.Mutex
	ports map[int]chan netip.Addr // client port → the address it reports
}

// ListenRemote listens on 127.0.0.1:0; the test's cleanup closes it.
func ListenRemote(t testing.TB) *RemoteListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &RemoteListener{Listener: ln, ports: map[int]chan netip.Addr{}}
}

func (l *RemoteListener) port(p int) chan netip.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := l.ports[p]
	if ch == nil {
		ch = make(chan netip.Addr, 1)
		l.ports[p] = ch
	}
	return ch
}

// Dial connects to the listener as a client at ip; the test's cleanup
// closes the connection.
func (l *RemoteListener) Dial(t testing.TB, ip string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	l.port(c.LocalAddr().(*net.TCPAddr).Port) <- netip.MustParseAddr(ip)
	return c
}

// Accept returns the next connection, reporting the address its Dial gave.
func (l *RemoteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	real := c.RemoteAddr().(*net.TCPAddr)
	ch := l.port(real.Port)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case ip := <-ch:
		l.mu.Lock()
		delete(l.ports, real.Port)
		l.mu.Unlock()
		return remoteConn{c.(*net.TCPConn), net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, 40000))}, nil
	case <-t.C:
		return c, nil // not from Dial
	}
}

type remoteConn struct {
	*net.TCPConn
	remote net.Addr
}

func (c remoteConn) RemoteAddr() net.Addr { return c.remote }

// ClosedByServer fails the test unless reading c ends with the server's
// close (EOF, or a reset after it), after nothing but text that satisfies
// rest (nil: nothing at all). A read time-out is a failure, not a close:
// wait bounds how long the server may take.
func ClosedByServer(t testing.TB, c net.Conn, r io.Reader, wait time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	b, err := io.ReadAll(r)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("the server did not close the connection within %v (read %q)", wait, b)
	case len(b) > 0:
		t.Fatalf("want the connection closed, got %q (%v)", b, err)
	case err != nil && !Closed(err):
		t.Fatalf("want the connection closed, got %v", err)
	}
}
