package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestDotWriter(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, wire string
	}{
		{"empty", "", ".\r\n"},
		{"one line", "a\r\n", "a\r\n.\r\n"},
		{"open last line", "a", "a\r\n.\r\n"},
		{"lone dot", ".\r\n", "..\r\n.\r\n"},
		{"leading dots", ".a\r\n..b\r\n", "..a\r\n...b\r\n.\r\n"},
		{"inner dots", "a.b\r\nc.\r\n", "a.b\r\nc.\r\n.\r\n"},
		{"bare LF", "a\nb\n", "a\r\nb\r\n.\r\n"},
		{"bare CR", "a\rb\r", "a\r\nb\r\n.\r\n"},
		{"CR CR LF", "a\r\r\n", "a\r\n\r\n.\r\n"},
		{"LF dot LF", "\n.\n", "\r\n..\r\n.\r\n"},
		{"CR dot", "x\r.y", "x\r\n..y\r\n.\r\n"},
		{"terminator inside", "a\r\n.\r\nQUIT\r\n", "a\r\n..\r\nQUIT\r\n.\r\n"},
		{"empty lines", "\r\n\n\r", "\r\n\r\n\r\n.\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := normalize([]byte(c.in))
			for _, chunk := range []int{len(c.in) + 1, 1, 2} {
				var b bytes.Buffer
				w := NewDotWriter(&b)
				for s := c.in; s != ""; {
					n := min(chunk, len(s))
					if k, err := w.Write([]byte(s[:n])); k != n || err != nil {
						t.Fatalf("Write = %d, %v", k, err)
					}
					s = s[n:]
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if b.String() != c.wire {
					t.Fatalf("chunk %d: wrote %q; want %q", chunk, b.String(), c.wire)
				}
				if w.Size() != int64(len(want)) || w.WireSize() != int64(len(c.wire)) {
					t.Fatalf("chunk %d: Size %d, WireSize %d; want %d, %d", chunk, w.Size(), w.WireSize(), len(want), len(c.wire))
				}
			}
			if n, err := MessageSize(strings.NewReader(c.in)); err != nil || n != int64(len(want)) {
				t.Fatalf("MessageSize = %d, %v; want %d", n, err, len(want))
			}
		})
	}
}

func TestDotWriterAfterClose(t *testing.T) {
	t.Parallel()
	w := NewDotWriter(io.Discard)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

func TestDotWriterError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	w := NewDotWriter(errWriter{boom})
	if _, err := w.Write([]byte("a\r\n")); !errors.Is(err, boom) {
		t.Fatalf("Write = %v; want %v", err, boom)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close = %v; want %v", err, boom)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteTop(t *testing.T) {
	t.Parallel()
	const msg = "From: a\r\nSubject: b\r\n\r\nline1\r\n.line2\r\nline3\r\n"
	const head = "From: a\r\nSubject: b\r\n\r\n"
	cases := []struct {
		name, msg string
		n         int
		want      string
		whole     bool // the output needs all of msg
	}{
		{"header only", msg, 0, head + ".\r\n", false},
		{"negative is zero", msg, -1, head + ".\r\n", false},
		{"one line", msg, 1, head + "line1\r\n.\r\n", false},
		{"stuffed line", msg, 2, head + "line1\r\n..line2\r\n.\r\n", false},
		{"exactly all", msg, 3, head + "line1\r\n..line2\r\nline3\r\n.\r\n", false},
		{"more than all", msg, 10, head + "line1\r\n..line2\r\nline3\r\n.\r\n", true},
		{"no blank line", "A: b\r\nC: d", 0, "A: b\r\nC: d\r\n.\r\n", true},
		{"empty message", "", 0, ".\r\n", true},
		{"empty header", "\r\nbody\r\nmore\r\n", 1, "\r\nbody\r\n.\r\n", false},
		{"bare LF", "A: b\n\nx\ny\n", 1, "A: b\r\n\r\nx\r\n.\r\n", false},
		{"bare CR", "A: b\r\rx\ry", 1, "A: b\r\n\r\nx\r\n.\r\n", false},
		{"CR CR LF header end", "A: b\r\r\nx\r\n", 0, "A: b\r\n\r\n.\r\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, oneByte := range []bool{false, true} {
				// Reading past what the output needs hits the error.
				var r io.Reader = io.MultiReader(strings.NewReader(c.msg), iotest.ErrReader(errors.New("read too far")))
				if c.whole {
					r = strings.NewReader(c.msg)
				}
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				var b bytes.Buffer
				if err := WriteTop(&b, r, c.n); err != nil {
					t.Fatalf("WriteTop: %v", err)
				}
				if b.String() != c.want {
					t.Fatalf("oneByte=%v: TOP %d wrote %q\nwant %q", oneByte, c.n, b.String(), c.want)
				}
			}
		})
	}
}

// normalize is the expected stored form of any message: every CRLF, bare LF
// and bare CR becomes CRLF, and a non-empty message ends with CRLF.
func normalize(m []byte) []byte {
	s := strings.ReplaceAll(string(m), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\n", "\r\n")
	if s != "" && !strings.HasSuffix(s, "\r\n") {
		s += "\r\n"
	}
	return []byte(s)
}

// FuzzDataRoundTrip checks that decoding what DotWriter sends gives back the
// message with CRLF line ends (the message itself when it had only CRLF),
// consumes exactly the encoded bytes, and that the sizes agree.
func FuzzDataRoundTrip(f *testing.F) {
	for _, c := range []string{"", "a\r\n", ".\r\n", "..\r\n.\r\n", "a\n.\nb", "x\r", "\r\n.\r\n"} {
		f.Add([]byte(c), []byte("QUIT\r\n"))
	}
	f.Fuzz(func(t *testing.T, msg, after []byte) {
		var enc bytes.Buffer
		w := NewDotWriter(&enc)
		w.Write(msg)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		want := normalize(msg)
		if w.Size() != int64(len(want)) || w.WireSize() != int64(enc.Len()) {
			t.Fatalf("Size %d, WireSize %d; want %d, %d", w.Size(), w.WireSize(), len(want), enc.Len())
		}
		wire := enc.Bytes()
		br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(wire), bytes.NewReader(after)), 16)
		out, _, err := decodeAll(br, 0, 7)
		if err != nil || !bytes.Equal(out, want) {
			t.Fatalf("msg %q: sent %q, decoded %q, %v; want %q", msg, wire, out, err, want)
		}
		if rest, _ := io.ReadAll(br); !bytes.Equal(rest, after) {
			t.Fatalf("msg %q: sent %q, decoder left %q; want %q", msg, wire, rest, after)
		}
	})
}

func BenchmarkDotWriter(b *testing.B) {
	for _, size := range []int{4 << 10, 10 << 20} {
		msg := benchMessage(size)
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				w := NewDotWriter(io.Discard)
				w.Write(msg)
				w.Close()
			}
		})
	}
}
