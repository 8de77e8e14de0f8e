package testutil

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// echoServer answers "OK <line>" to each line and closes on "BYE".
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("220-hello\r\n220 ready\r\n"))
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					line = strings.TrimRight(line, "\r\n")
					if line == "BYE" {
						return
					}
					c.Write([]byte("OK " + line + "\r\n"))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestTranscript(t *testing.T) {
	t.Parallel()
	addr := echoServer(t)
	Transcript(t, addr, `
# greeting
S* 220-
S: 220 ready
C: one
S: OK one
C+ two
C+ three
C: four
S: OK two
S~ ^OK th.ee$
S: OK four
R: raw\x41\r\n
S: OK rawA
C: BYE
=  closed
`)
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	if got := Unescape(`a\r\n\t\\\x00\x7fz\q`); got != "a\r\n\t\\\x00\x7fz\\q" {
		t.Fatalf("Unescape = %q", got)
	}
}

// recordTB records the first failure of a runner and stops it, as the
// testing package does.
type recordTB struct {
	testing.TB
	failure string
}

func (r *recordTB) Helper() {}
func (r *recordTB) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// shortReads makes every read deadline short, so a test of a silent
// server does not wait the runner's full ten seconds.
type shortReads struct{ net.Conn }

func (s shortReads) SetReadDeadline(time.Time) error {
	return s.Conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
}

// TestTranscriptClosedMeansClosed: "= closed" passes only when the server
// really hangs up, never when it merely stays silent until the deadline.
func TestTranscriptClosedMeansClosed(t *testing.T) {
	t.Parallel()
	script := "S* 220-\nS: 220 ready\nC: BYE\n=  closed\n"
	run := func(addr string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		rec := &recordTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			RunTranscript(rec, shortReads{c}, script)
		}()
		<-done
		return rec.failure
	}
	if f := run(echoServer(t)); f != "" { // positive control: it closes on BYE
		t.Fatalf("a server that closes failed the transcript: %s", f)
	}
	if f := run(silentServer(t)); !strings.Contains(f, "want the connection closed") {
		t.Fatalf("a silent server passed \"= closed\" (failure %q)", f)
	}
}

// silentServer greets like echoServer and then reads without answering or
// closing.
func silentServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			c.Write([]byte("220-hello\r\n220 ready\r\n"))
			go io.Copy(io.Discard, c)
		}
	}()
	return ln.Addr().String()
}
