package wire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// dataCase is one case of testdata/data.txt.
type dataCase struct {
	name, in, out, rest, err string
	hasOut                   bool
	max                      int64
}

// loadDataCases parses testdata/data.txt; its header describes the format.
func loadDataCases(t *testing.T) []dataCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/data.txt")
	if err != nil {
		t.Fatal(err)
	}
	var cases []dataCase
	for n, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		if !ok || (key != "case" && len(cases) == 0) {
			t.Fatalf("data.txt:%d: want 'key: value' inside a case", n+1)
		}
		if key == "case" {
			cases = append(cases, dataCase{name: val})
			continue
		}
		c := &cases[len(cases)-1]
		if key == "max" {
			if c.max, err = strconv.ParseInt(val, 10, 64); err != nil {
				t.Fatalf("data.txt:%d: %v", n+1, err)
			}
			continue
		}
		s, err := strconv.Unquote(val)
		if err != nil {
			t.Fatalf("data.txt:%d: %v", n+1, err)
		}
		switch key {
		case "in":
			c.in += s
		case "out":
			c.out += s
			c.hasOut = true
		case "rest":
			c.rest += s
		case "err":
			c.err = s
		default:
			t.Fatalf("data.txt:%d: unknown key %q", n+1, key)
		}
	}
	return cases
}

var dataErrs = map[string]error{"": nil, "unexpected-eof": io.ErrUnexpectedEOF, "too-large": ErrTooLarge}

// decodeAll runs a DataReader over br with reads of readSize bytes and
// returns what it yielded and the error that ended it (nil for io.EOF).
func decodeAll(br *bufio.Reader, max int64, readSize int) ([]byte, *DataReader, error) {
	dr := NewDataReader(br, max)
	var out []byte
	p := make([]byte, readSize)
	for {
		n, err := dr.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, dr, nil
		}
		if err != nil {
			return out, dr, err
		}
	}
}

func TestDataReaderTranscripts(t *testing.T) {
	t.Parallel()
	for _, c := range loadDataCases(t) {
		wantErr, ok := dataErrs[c.err]
		if !ok {
			t.Fatalf("%s: unknown err %q", c.name, c.err)
		}
		for _, v := range []struct {
			bufSize, readSize int
			oneByte           bool
		}{{4096, 4096, false}, {4096, 1, false}, {16, 3, false}, {16, 2, true}, {16, 4096, true}} {
			name := fmt.Sprintf("%s/buf%d,read%d,onebyte=%v", c.name, v.bufSize, v.readSize, v.oneByte)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var src io.Reader = strings.NewReader(c.in)
				if v.oneByte {
					src = iotest.OneByteReader(src)
				}
				br := bufio.NewReaderSize(src, v.bufSize)
				out, dr, err := decodeAll(br, c.max, v.readSize)
				if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
					t.Fatalf("error = %v; want %v (output %q)", err, wantErr, out)
				}
				if (c.hasOut || wantErr == nil) && string(out) != c.out {
					t.Fatalf("stored %q\nwant   %q", out, c.out)
				}
				rest, _ := io.ReadAll(br)
				if string(rest) != c.rest {
					t.Fatalf("left unread %q; want %q", rest, c.rest)
				}
				if wantErr == nil && dr.Size() != int64(len(c.out)) {
					t.Fatalf("Size() = %d; want %d", dr.Size(), len(c.out))
				}
				if n, err := dr.Read(make([]byte, 8)); n != 0 || (err != io.EOF && !errors.Is(err, wantErr)) {
					t.Fatalf("Read after the end = %d, %v", n, err)
				}
			})
		}
	}
}

func TestDataReaderLongLine(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("x", 1<<20) // far over RFC 5321's 1000, and the buffer
	in := line + "\r\n" + line + "\nx\r\n.\r\n"
	out, _, err := decodeAll(bufio.NewReaderSize(strings.NewReader(in), 16), 0, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if want := line + "\r\n" + line + "\r\nx\r\n"; string(out) != want {
		t.Fatalf("long lines changed: got %d bytes, want %d", len(out), len(want))
	}
}

func TestDataReaderTooLargeDeliversMax(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("0123456789abcdef\r\n", 1000)
	in := msg + ".\r\nQUIT\r\n"
	for _, max := range []int64{1, 17, 18, 4096, int64(len(msg)) - 1} {
		br := bufio.NewReader(strings.NewReader(in))
		out, dr, err := decodeAll(br, max, 1000)
		if !errors.Is(err, ErrTooLarge) || int64(len(out)) != max || string(out) != msg[:max] {
			t.Fatalf("max %d: got %d bytes, %v; want the first %d bytes, ErrTooLarge", max, len(out), err, max)
		}
		if dr.Size() != int64(len(msg)) {
			t.Fatalf("max %d: Size() = %d; want %d", max, dr.Size(), len(msg))
		}
		if rest, _ := io.ReadAll(br); string(rest) != "QUIT\r\n" {
			t.Fatalf("max %d: left %q", max, rest)
		}
	}
}

// TestDataReaderStreams sends a 50 MB message through a pipe and checks
// that the decoder's memory stays small and constant. It does not run in
// parallel, so the allocation counters see this test alone.
func TestDataReaderStreams(t *testing.T) {
	size := 50 << 20
	if testing.Short() {
		size = 5 << 20
	}
	chunk := bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod.\r\n"), 800)
	pr, pw := io.Pipe()
	go func() {
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Write([]byte("..\r\n.\r\n"))
		pw.Close()
	}()
	br := bufio.NewReaderSize(pr, 64<<10)
	buf := make([]byte, 32<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	dr := NewDataReader(br, 0)
	n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{dr}, buf)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64((size+len(chunk)-1)/len(chunk)*len(chunk)) + 3; n != want {
		t.Fatalf("decoded %d bytes; want %d", n, want)
	}
	allocs, bytes := after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc
	t.Logf("%d MB decoded with %d allocations, %d bytes", size>>20, allocs, bytes)
	if allocs > 100 || bytes > 256<<10 {
		t.Fatalf("%d allocations, %d bytes for a streamed message; want constant memory", allocs, bytes)
	}
}

// refDecode is the decoding rule written as plainly as possible: find the
// first CRLF "." CRLF, split what comes before it at every CRLF, bare LF and
// bare CR, remove one leading dot from each line, and join with CRLF.
func refDecode(in []byte) (out, rest []byte, ok bool) {
	s := append([]byte("\r\n"), in...)
	end := bytes.Index(s, []byte("\r\n.\r\n"))
	if end < 0 {
		return nil, nil, false
	}
	body := s[2 : end+2]
	out = []byte{}
	for len(body) > 0 {
		i := bytes.IndexAny(body, "\r\n")
		line := bytes.TrimPrefix(body[:i], []byte("."))
		out = append(append(out, line...), '\r', '\n')
		if body[i] == '\r' && i+1 < len(body) && body[i+1] == '\n' {
			i++
		}
		body = body[i+1:]
	}
	return out, s[end+5:], true
}

// FuzzDataDecoder checks the decoder against refDecode for any input and
// read size: it never panics, never yields a bare CR or LF, never stops
// before a real CRLF "." CRLF and never reads past it.
func FuzzDataDecoder(f *testing.F) {
	for _, c := range []string{
		".\r\n", "a\r\n.\r\nQUIT\r\n", "a\n.\nb\r\n.\r\n", "a\r.\r\n.\r\n", "..\r\n.\r\n",
		"\r\n.\r\r\n.\r\n", "x\r", ".\r", "a\n.\r\n.\r\nRSET\r\n",
	} {
		f.Add([]byte(c), uint8(7))
	}
	f.Fuzz(func(t *testing.T, in []byte, readSize uint8) {
		br := bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(in)), 16)
		out, _, err := decodeAll(br, 0, int(readSize)+1)
		want, wantRest, ok := refDecode(in)
		if !ok {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("no terminator in %q, but decoder says %v (output %q)", in, err, out)
			}
			return
		}
		if err != nil || !bytes.Equal(out, want) {
			t.Fatalf("decode(%q) = %q, %v\nwant %q", in, out, err, want)
		}
		if rest, _ := io.ReadAll(br); !bytes.Equal(rest, wantRest) {
			t.Fatalf("decode(%q) left %q; want %q", in, rest, wantRest)
		}
		if bare := bytes.ReplaceAll(out, []byte("\r\n"), nil); bytes.ContainsAny(bare, "\r\n") {
			t.Fatalf("decode(%q) = %q has a bare CR or LF", in, out)
		}
	})
}

// benchMessage is a message of about size bytes with 78-octet lines.
func benchMessage(size int) []byte {
	line := []byte("The quick brown fox jumps over the lazy dog; pack my box with five dozen j.\r\n")
	var b bytes.Buffer
	b.WriteString("Subject: bench\r\n\r\n")
	for b.Len() < size {
		b.Write(line)
	}
	return b.Bytes()
}

func BenchmarkDataReader(b *testing.B) {
	for _, size := range []int{4 << 10, 10 << 20} {
		var enc bytes.Buffer
		w := NewDotWriter(&enc)
		w.Write(benchMessage(size))
		w.Close()
		in := enc.Bytes()
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			src := bytes.NewReader(in)
			br := bufio.NewReaderSize(src, 64<<10)
			buf := make([]byte, 32<<10)
			for b.Loop() {
				src.Reset(in)
				br.Reset(src)
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{NewDataReader(br, 0)}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDataReaderReadContract checks the io.Reader contract beyond what
// io.Copy needs: an empty buffer reads nothing and consumes nothing, and a
// read never returns zero bytes without an error (io.Reader discourages
// it), even when what was read so far decodes to nothing (a stuffing dot,
// a CR waiting for its LF).
func TestDataReaderReadContract(t *testing.T) {
	t.Parallel()
	const in = "a\r\n..b\r\n.\rc\r\n\r\n.\r\nNEXT"
	br := bufio.NewReaderSize(strings.NewReader(in), 16)
	dr := NewDataReader(br, 0)
	if n, err := dr.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	var out []byte
	p := make([]byte, 1)
	for {
		n, err := dr.Read(p)
		if n == 0 && err == nil {
			t.Fatalf("Read returned 0 bytes and no error after %q", out)
		}
		out = append(out, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if want := "a\r\n.b\r\n\r\nc\r\n\r\n"; string(out) != want { // a bare CR ends a line too
		t.Errorf("decoded %q, want %q", out, want)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "NEXT" {
		t.Errorf("left after the terminator: %q", rest)
	}
}
