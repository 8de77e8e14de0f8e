package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// readLines reads lines until an error other than ErrLineTooLong and
// renders each result: the line quoted, or "!" and the error.
func readLines(lr *LineReader, max int) []string {
	var got []string
	for {
		line, err := lr.ReadLine(max)
		switch {
		case err == nil:
			got = append(got, fmt.Sprintf("%q", line))
		case errors.Is(err, ErrLineTooLong):
			got = append(got, "!too long")
		default:
			return append(got, "!"+err.Error())
		}
	}
}

func TestReadLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1<<20)
	cases := []struct {
		name, in string
		max      int
		want     []string
	}{
		{"crlf lines", "HELO x\r\nQUIT\r\n", 512, []string{`"HELO x"`, `"QUIT"`, "!EOF"}},
		{"bare LF", "NOOP\nQUIT\r\n", 512, []string{`"NOOP"`, `"QUIT"`, "!EOF"}},
		{"empty line", "\r\n\n", 512, []string{`""`, `""`, "!EOF"}},
		{"inner CR stays", "a\rb\r\n", 512, []string{`"a\rb"`, "!EOF"}},
		{"only one CR stripped", "a\r\r\n", 512, []string{`"a\r"`, "!EOF"}},
		{"exactly max", "abcd\r\nabcd\n", 4, []string{`"abcd"`, `"abcd"`, "!EOF"}},
		{"one over max", "abcde\r\nok\r\n", 4, []string{"!too long", `"ok"`, "!EOF"}},
		{"one over max bare LF", "abcde\nok\n", 4, []string{"!too long", `"ok"`, "!EOF"}},
		{"huge line then command", long + "\r\nQUIT\r\n", 512, []string{"!too long", `"QUIT"`, "!EOF"}},
		{"cut line", "QUIT", 512, []string{"!unexpected EOF"}},
		{"cut after CR", "QUIT\r", 512, []string{"!unexpected EOF"}},
		{"cut long line", long, 512, []string{"!unexpected EOF"}},
		{"nothing", "", 512, []string{"!EOF"}},
		{"zero max", "\r\nx\r\n", 0, []string{`""`, "!too long", "!EOF"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, oneByte := range []bool{false, true} {
				var src io.Reader = strings.NewReader(c.in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				got := readLines(NewLineReader(bufio.NewReaderSize(src, 16)), c.max)
				if strings.Join(got, " ") != strings.Join(c.want, " ") {
					t.Fatalf("oneByte=%v: got %v; want %v", oneByte, got, c.want)
				}
			}
		})
	}
}

func TestLineReaderBuffered(t *testing.T) {
	t.Parallel()
	lr := NewLineReader(bufio.NewReader(strings.NewReader("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n")))
	if _, err := lr.ReadLine(512); err != nil {
		t.Fatal(err)
	}
	if n := lr.Buffered(); n != len("RCPT TO:<c@d>\r\n") {
		t.Fatalf("Buffered() = %d after the first of two pipelined lines", n)
	}
	if _, err := lr.ReadLine(512); err != nil {
		t.Fatal(err)
	}
	if n := lr.Buffered(); n != 0 {
		t.Fatalf("Buffered() = %d after the last line", n)
	}
}

// TestReadLineMemoryBounded sends a 20 MB line: ReadLine must drop it, not
// hold it.
func TestReadLineMemoryBounded(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		chunk := bytes.Repeat([]byte("A"), 64<<10)
		for range 320 {
			pw.Write(chunk)
		}
		pw.Write([]byte("\r\nQUIT\r\n"))
		pw.Close()
	}()
	lr := NewLineReader(bufio.NewReader(pr))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := lr.ReadLine(512)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("ReadLine = %v; want ErrLineTooLong", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
		t.Fatalf("ReadLine allocated %d bytes for a dropped line", grew)
	}
	if line, err := lr.ReadLine(512); err != nil || string(line) != "QUIT" {
		t.Fatalf("next line = %q, %v", line, err)
	}
}

func TestBackspace(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"HELO", "HELO"},
		{"HELP\bO", "HELO"},
		{"\b\bQUIT", "QUIT"},
		{"QUIX\x7fT", "QUIT"},
		{"ab\b\b\b", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := Backspace([]byte(c.in)); string(got) != c.want {
			t.Errorf("Backspace(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

// FuzzReadLine checks ReadLine against the rule stated plainly: split at LF,
// drop one CR before it, refuse lines over max, and a cut last line is
// io.ErrUnexpectedEOF.
func FuzzReadLine(f *testing.F) {
	for _, c := range []string{"HELO x\r\nQUIT\r\n", "a\r\r\n\n", "abcdefghijklmnopqrstuvwxyz\r\nx", "\r"} {
		f.Add([]byte(c), uint8(8), uint8(16))
	}
	f.Fuzz(func(t *testing.T, in []byte, max, bufSize uint8) {
		got := readLines(NewLineReader(bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(in)), int(bufSize))), int(max))
		var want []string
		rest := in
		for {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			line := bytes.TrimSuffix(rest[:i], []byte("\r"))
			rest = rest[i+1:]
			if len(line) > int(max) {
				want = append(want, "!too long")
				continue
			}
			want = append(want, fmt.Sprintf("%q", line))
		}
		if len(rest) > 0 {
			want = append(want, "!unexpected EOF")
		} else {
			want = append(want, "!EOF")
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("ReadLine(%q, max %d):\ngot  %v\nwant %v", in, max, got, want)
		}
	})
}
