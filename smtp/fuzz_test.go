package smtp

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pipeConn is a connection whose input is fixed and ends in EOF, for
// feeding a whole session from a byte string.
type pipeConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *pipeConn) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c *pipeConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *pipeConn) Close() error                { return nil }
func (c *pipeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25} }
func (c *pipeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *pipeConn) SetDeadline(time.Time) error      { return nil }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }

var replyLine = regexp.MustCompile(`^([2-5][0-9][0-9])([ -])(.*)$`)
var enhanced = regexp.MustCompile(`^([245])\.[0-9]{1,3}\.[0-9]{1,3}( |$)`)

// checkReplies checks that out is a sequence of well-formed replies: CRLF
// lines, a known code, multi-line replies of one code, and an enhanced
// status code of the same class on every refusal. It stops at an HTTP
// answer, which is not SMTP.
func checkReplies(t *testing.T, out string) {
	t.Helper()
	if out != "" && !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("output does not end in CRLF: %q", out)
	}
	cont := ""
	for _, line := range strings.SplitAfter(out, "\r\n") {
		if line == "" {
			continue
		}
		line = strings.TrimSuffix(line, "\r\n")
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("bare line end in reply %q", line)
		}
		if strings.HasPrefix(line, "HTTP/1.0 ") && cont == "" {
			return
		}
		m := replyLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("malformed reply line %q in\n%s", line, out)
		}
		if cont != "" && m[1] != cont {
			t.Fatalf("multi-line reply changes code at %q", line)
		}
		if m[1][0] >= '4' {
			if e := enhanced.FindStringSubmatch(m[3]); e == nil || e[1] != m[1][:1] {
				t.Fatalf("refusal without a matching enhanced code: %q", line)
			}
		}
		cont = ""
		if m[2] == "-" {
			cont = m[1]
		}
	}
	if cont != "" {
		t.Fatalf("multi-line reply not finished:\n%s", out)
	}
}

// FuzzSession feeds a whole session of arbitrary bytes to the state
// machine, with panic recovery off: no input may panic, and whatever it
// answers must be well-formed replies.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"HELO x\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n\n.\n\r.\r\n.\r\nRSET\r\n",
		"EHLO x\r\nAUTH LOGIN\r\nYWRtaW4=\r\n*\r\nAUTH PLAIN\r\n=\r\nAUTH CRAM-MD5\r\nYSBi\r\n",
		"EHLO x\r\nMAIL FROM:<a@b> SIZE=1 BODY=8BITMIME\r\nRCPT TO:<x@y> NOTIFY=NEVER\r\nVRFY a\r\nEXPN b\r\nHELP\r\nTIME\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x00\xff\r\n\x08\x08\x7f\r\nNOOP\rNOOP\n" + strings.Repeat("A", 600) + "\r\nSTAT\r\nIPCF\r\n",
		"EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\nReceived: a\r\nReceived: b\r\nReceived: c\r\n\r\n.\r\n",
	} {
		f.Add([]byte(s))
	}
	o := baseOptions(f)
	o.Server.Test = true // the protocol runs; nothing is written
	o.Server.Debug = true
	o.SMTP.MaxHops = 2
	o.SMTP.MaxMessageSize = 4096
	srv, err := New(o)
	if err != nil {
		f.Fatal(err)
	}
	srv.noRecover = true
	f.Fuzz(func(t *testing.T, input []byte) {
		c := &pipeConn{in: bytes.NewReader(input)}
		srv.handle(context.Background(), c, func() {})
		out := c.out.String()
		if !strings.HasPrefix(out, "220 ") {
			t.Fatalf("no greeting: %q", out)
		}
		checkReplies(t, out)
	})
}
