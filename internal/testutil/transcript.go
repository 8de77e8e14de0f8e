package testutil

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A transcript is a text file (or string) of protocol lines, one per row:
//
//	# a comment; blank lines are ignored
//	C: EHLO client.example       the client sends this line (CRLF added)
//	C+ MAIL FROM:<a@b>           sent in the same write as the next C/C+ lines (pipelining)
//	S: 250 2.1.0 OK              the server's next line must equal this
//	S~ ^250[ -]                  the server's next line must match this regexp
//	S* 250-                      skip server lines while they start with this prefix
//	R: raw\x00bytes\n            send raw bytes, with \r \n \t \x00-style escapes, no CRLF added
//	=  closed                    the server must close the connection next
//
// Runs stop at the first mismatch, reporting the row and what came instead.

// Transcript runs the transcript in script against the server at addr.
func Transcript(t testing.TB, addr, script string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	RunTranscript(t, c, script)
}

// TranscriptFile runs the transcript in the named file against addr.
func TranscriptFile(t testing.TB, addr, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	Transcript(t, addr, string(data))
}

// RunTranscript runs script over an open connection.
func RunTranscript(t testing.TB, c net.Conn, script string) {
	t.Helper()
	r := bufio.NewReader(c)
	var pending strings.Builder
	flush := func() {
		if pending.Len() == 0 {
			return
		}
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(pending.String())); err != nil {
			t.Fatalf("write: %v", err)
		}
		pending.Reset()
	}
	readLine := func(row int, want string) string {
		flush()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("row %d: want %q, read error %v (partial %q)", row, want, err, line)
		}
		if !strings.HasSuffix(line, "\r\n") {
			t.Fatalf("row %d: server line %q does not end in CRLF", row, line)
		}
		return strings.TrimSuffix(line, "\r\n")
	}
	for i, raw := range strings.Split(script, "\n") {
		row := i + 1
		raw = strings.TrimRight(raw, "\r")
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			continue
		}
		if len(raw) < 2 {
			t.Fatalf("row %d: malformed transcript line %q", row, raw)
		}
		op, arg := raw[:2], strings.TrimPrefix(raw[2:], " ")
		switch op {
		case "C:":
			pending.WriteString(arg + "\r\n")
			flush()
		case "C+":
			pending.WriteString(arg + "\r\n")
		case "R:":
			pending.WriteString(Unescape(arg))
			flush()
		case "S:":
			if got := readLine(row, arg); got != arg {
				t.Fatalf("row %d: server said %q, want %q", row, got, arg)
			}
		case "S~":
			re := regexp.MustCompile(arg)
			if got := readLine(row, arg); !re.MatchString(got) {
				t.Fatalf("row %d: server said %q, want a match for %q", row, got, arg)
			}
		case "S*":
			for {
				flush()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				peek, err := r.Peek(len(arg))
				if err != nil || string(peek) != arg {
					break
				}
				readLine(row, arg+"...")
			}
		case "= ":
			flush()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if line, err := r.ReadString('\n'); !Closed(err) || line != "" {
				t.Fatalf("row %d: want the connection closed, server said %q (err %v)", row, line, err)
			}
		default:
			t.Fatalf("row %d: unknown transcript operation %q", row, op)
		}
	}
}

// Unescape turns \r, \n, \t, \\ and \xHH in s into the bytes they name.
func Unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'r':
			b.WriteByte('\r')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case '\\':
			b.WriteByte('\\')
		case 'x':
			var v byte
			if i+2 < len(s) {
				if _, err := fmt.Sscanf(s[i+1:i+3], "%02x", &v); err == nil {
					b.WriteByte(v)
					i += 2
					continue
				}
			}
			b.WriteString(`\x`)
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
