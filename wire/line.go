package wire

import (
	"bufio"
	"errors"
	"io"
)

// ErrLineTooLong is returned by ReadLine for a line over its limit. The line
// has been read and dropped to its end, so the caller can answer (SMTP
// 500 5.5.2, RFC 5321 §4.5.3.1.4) and read the next one.
var ErrLineTooLong = errors.New("wire: line too long")

// LineReader reads protocol command lines from a buffered connection.
type LineReader struct {
	br  *bufio.Reader
	buf []byte
}

// NewLineReader returns a LineReader reading from br. Its memory use is
// bounded by br's buffer and the largest max passed to ReadLine.
func NewLineReader(br *bufio.Reader) *LineReader {
	return &LineReader{br: br}
}

// ReadLine returns the next line without its line end. A line ends at LF;
// one CR right before the LF is part of the line end, so both CRLF (RFC 5321
// §2.3.8) and, to be liberal with commands, a bare LF are accepted. Any other
// CR stays in the line for the command parser to refuse.
//
// A line of more than max octets (not counting its line end) is read to its
// end and dropped, and ErrLineTooLong is returned. A connection that ends
// after part of a line gives io.ErrUnexpectedEOF, one that ends between
// lines io.EOF; other read errors are returned as they are. The returned
// slice is valid until the next call.
func (r *LineReader) ReadLine(max int) ([]byte, error) {
	r.buf = r.buf[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		switch {
		case tooLong:
			// Dropping: nothing is kept.
		case len(r.buf)+len(chunk) > max+2:
			// Even a CRLF end cannot bring this under max; stop keeping
			// bytes so memory stays bounded whatever the client sends.
			tooLong = true
			r.buf = r.buf[:0]
		default:
			r.buf = append(r.buf, chunk...)
		}
		switch {
		case err == nil:
			return r.finish(tooLong, max)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(chunk) > 0 || tooLong || len(r.buf) > 0):
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// finish strips the line end from a complete line and applies the limit.
func (r *LineReader) finish(tooLong bool, max int) ([]byte, error) {
	if tooLong {
		return nil, ErrLineTooLong
	}
	line := r.buf[:len(r.buf)-1] // the LF
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > max {
		return nil, ErrLineTooLong
	}
	return line, nil
}

// Buffered returns the number of bytes received and not yet read. A server
// flushes its replies only when this is zero, so replies to a pipelined batch
// leave together (RFC 2920 §3.2) and an interactive client never waits.
func (r *LineReader) Buffered() int {
	return r.br.Buffered()
}

// Backspace applies telnet-style line editing in place and returns the
// edited line: each BS (0x08) or DEL (0x7f) removes itself and the byte
// before it, if any. MailQ honours 0x08 unless NoBackSpace is set; DEL is
// what PuTTY and many terminals send for the backspace key, so it is treated
// the same.
func Backspace(line []byte) []byte {
	n := 0
	for _, c := range line {
		if c == 0x08 || c == 0x7f {
			if n > 0 {
				n--
			}
			continue
		}
		line[n] = c
		n++
	}
	return line[:n]
}
