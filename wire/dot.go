package wire

import (
	"bytes"
	"errors"
	"io"
)

// errClosed is returned by Write after Close.
var errClosed = errors.New("wire: write after close")

// errTopDone stops the copy in WriteTop once enough lines have been sent.
var errTopDone = errors.New("wire: top done")

var (
	bytesCR   = []byte("\r")
	bytesLF   = []byte("\n")
	bytesCRLF = []byte("\r\n")
	bytesDot  = []byte(".")
	bytesTerm = []byte(".\r\n")
)

type dotState uint8

const (
	dotBOL dotState = iota // at the start of a line
	dotMid                 // inside a line
	dotCR                  // after a CR, already written
)

// DotWriter dot-encodes stored mail for sending: POP3 RETR and TOP (RFC 1939
// §3) and SMTP DATA (RFC 5321 §4.5.2). Every line end goes out as CRLF (a
// bare LF or bare CR, as found in files other programs dropped, becomes
// CRLF), a '.' that starts a line is doubled, and Close ends the last line if
// it is open and writes the terminating ".\r\n". Runs of bytes that need no
// change are passed to the underlying writer as they are, so wrap a
// connection in a bufio.Writer.
type DotWriter struct {
	w     io.Writer
	state dotState
	size  int64 // message octets: what the receiver has after unstuffing
	wire  int64 // octets written to w
	err   error
}

// NewDotWriter returns a DotWriter writing to w.
func NewDotWriter(w io.Writer) *DotWriter {
	return &DotWriter{w: w}
}

// Write implements io.Writer.
func (w *DotWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	start := 0 // p[start:i] is passed on unchanged
	for i := 0; i < len(p) && w.err == nil; {
		switch w.state {
		case dotMid:
			j := lineEnd(p[i:])
			if j < 0 {
				i = len(p)
				break
			}
			i += j
			if p[i] == '\r' {
				i++
				w.state = dotCR
				break
			}
			w.put(p[start:i], bytesCR, true) // bare LF: add the CR
			start, i = i, i+1
			w.state = dotBOL
		case dotCR:
			w.state = dotBOL
			if p[i] == '\n' {
				i++
				break
			}
			w.put(p[start:i], bytesLF, true) // bare CR: add the LF; p[i] starts a line
			start = i
		case dotBOL:
			start, i = w.lineStart(p, start, i)
		}
	}
	if w.err == nil {
		w.put(p[start:], nil, false)
	}
	if w.err != nil {
		return start, w.err
	}
	return len(p), nil
}

// lineStart encodes p[i], the first byte of a line.
func (w *DotWriter) lineStart(p []byte, start, i int) (int, int) {
	switch p[i] {
	case '.':
		w.put(p[start:i], bytesDot, false) // RFC 5321 §4.5.2, RFC 1939 §3: double a leading dot
		w.state = dotMid
		return i, i + 1
	case '\r':
		w.state = dotCR
	case '\n':
		w.put(p[start:i], bytesCR, true) // bare LF on an empty line
		return i, i + 1
	default:
		w.state = dotMid
	}
	return start, i + 1
}

// Close ends an unterminated last line with CRLF and writes the terminator.
// It does not close the underlying writer. Writes after Close fail.
func (w *DotWriter) Close() error {
	if w.err != nil {
		if w.err == errClosed {
			return nil
		}
		return w.err
	}
	switch w.state {
	case dotMid:
		w.put(nil, bytesCRLF, true)
	case dotCR:
		w.put(nil, bytesLF, true)
	}
	w.put(nil, bytesTerm, false)
	if w.err == nil {
		w.err = errClosed
		return nil
	}
	return w.err
}

// Size returns the message octets written so far as the receiver has them
// after removing the dot-stuffing: CRLF line ends, counting the CRLF Close
// adds to an open last line, not counting doubled dots or the terminator.
// This is the size POP3 reports in STAT, LIST and RETR (RFC 1939 §11).
func (w *DotWriter) Size() int64 {
	return w.size
}

// WireSize returns the octets written to the underlying writer, doubled dots
// and terminator included.
func (w *DotWriter) WireSize() int64 {
	return w.wire
}

// put writes run, which is message data, then extra; extra counts in Size
// when it is part of the message (a line end) and not when it is
// transparency (a doubled dot, the terminator).
func (w *DotWriter) put(run, extra []byte, extraIsData bool) {
	w.send(run, true)
	w.send(extra, extraIsData)
}

// send writes b to the underlying writer and counts it.
func (w *DotWriter) send(b []byte, isData bool) {
	if len(b) == 0 || w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.wire += int64(n)
	if isData {
		w.size += int64(n)
	}
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	w.err = err
}

// MessageSize returns the size POP3 reports for the stored message in r
// (see DotWriter.Size), computed by running it through a DotWriter.
func MessageSize(r io.Reader) (int64, error) {
	w := NewDotWriter(io.Discard)
	if _, err := io.Copy(w, r); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return w.Size(), nil
}

// WriteTop answers POP3 TOP (RFC 1939 §7): it sends the header of the stored
// message in r, the blank line after it and the first n lines of its body
// through a DotWriter to w, then the terminator. Line ends are found as the
// DotWriter finds them (CRLF, bare LF, bare CR). A message without a blank
// line is all header and is sent whole. r is read no further than needed.
func WriteTop(w io.Writer, r io.Reader, n int) error {
	dw := NewDotWriter(w)
	tw := &topWriter{dw: dw, left: n, bol: true}
	if _, err := io.Copy(tw, r); err != nil && !errors.Is(err, errTopDone) {
		return err
	}
	return dw.Close()
}

// topWriter passes bytes to a DotWriter up to the end of the TOP output.
type topWriter struct {
	dw   *DotWriter
	left int  // body lines still to send
	body bool // the blank line after the header has been seen
	bol  bool // at the start of a line
	cr   bool // the last byte was a CR
	done bool
}

func (t *topWriter) Write(p []byte) (int, error) {
	if t.done {
		return 0, errTopDone
	}
	cut := t.scan(p)
	if _, err := t.dw.Write(p[:cut]); err != nil {
		return 0, err
	}
	if t.done {
		return cut, errTopDone
	}
	return len(p), nil
}

// scan returns how much of p belongs to the output, setting done when the
// output ends inside p.
func (t *topWriter) scan(p []byte) int {
	for i, c := range p {
		wasCR := t.cr
		t.cr = c == '\r'
		switch {
		case c == '\n' && wasCR:
			// The LF of a CRLF: the line ended at the CR.
		case c == '\r' || c == '\n':
			t.lineEnd()
			if t.done {
				return i + 1 // after a CR, Close supplies the LF
			}
		default:
			t.bol = false
		}
	}
	return len(p)
}

// lineEnd counts one line end.
func (t *topWriter) lineEnd() {
	if t.body {
		t.left--
	} else if t.bol {
		t.body = true // the empty line that ends the header
	}
	t.done = t.body && t.left <= 0
	t.bol = true
}

// lineEnd returns the index of the first CR or LF in b, or -1.
func lineEnd(b []byte) int {
	end := bytes.IndexByte(b, '\n')
	limit := b
	if end >= 0 {
		limit = b[:end]
	}
	if cr := bytes.IndexByte(limit, '\r'); cr >= 0 {
		return cr
	}
	return end
}
