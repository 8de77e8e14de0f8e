package testutil

import (
	"bufio"
	"net"
	"strings"
	"testing"
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
