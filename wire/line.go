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

// ErrLineOverrun is returned by ReadLine when a line goes on past the drop
// limit (SetDropLimit): the reader stops in the middle of it, so the
// connection is out of step and must be closed (SMTP 421). A client that
// sends an endless line is cut off after a bounded amount of input, not
// read for as long as it keeps sending.
var ErrLineOverrun = errors.New("wire: line too long to skip")

// LineReader reads protocol command lines from a buffered connection.
type LineReader struct {
	br    *bufio.Reader
	buf   []byte
	clock *ClockReader // nil: lines have no deadlines of their own
	drop  int          // longest line skipped to its end; 0: no bound
}

// NewLineReader returns a LineReader reading from br. Its memory use is
// bounded by br's buffer and the largest max passed to ReadLine.
func NewLineReader(br *bufio.Reader) *LineReader {
	return &LineReader{br: br}
}

// Clock makes every ReadLine a timed line of c, which must be the reader
// under r's bufio.Reader: see ClockReader.
func (r *LineReader) Clock(c *ClockReader) { r.clock = c }

// SetDropLimit bounds how much of an over-long line is read and dropped:
// past n octets, ReadLine gives up with ErrLineOverrun. 0 is no bound.
func (r *LineReader) SetDropLimit(n int) { r.drop = n }

// ReadLine returns the next line without its line end. A line ends at LF;
// one CR right before the LF is part of the line end, so both CRLF (RFC 5321
// §2.3.8) and, to be liberal with commands, a bare LF are accepted. Any other
// CR stays in the line for the command parser to refuse.
//
// A line of more than max octets (not counting its line end) is read to its
// end and dropped, and ErrLineTooLong is returned; past the drop limit
// (SetDropLimit), ErrLineOverrun is returned at once. A connection that ends
// after part of a line gives io.ErrUnexpectedEOF, one that ends between
// lines io.EOF; other read errors are returned as they are. The returned
// slice is valid until the next call.
func (r *LineReader) ReadLine(max int) ([]byte, error) {
	if r.clock != nil {
		r.clock.beginLine(r.br.Buffered() > 0)
		defer r.clock.endLine()
	}
	r.buf = r.buf[:0]
	tooLong := false
	dropped := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		switch {
		case tooLong:
			// Dropping: nothing is kept, up to the drop limit.
			dropped += len(chunk)
		case len(r.buf)+len(chunk) > max+2:
			// Even a CRLF end cannot bring this under max; stop keeping
			// bytes so memory stays bounded whatever the client sends.
			tooLong = true
			dropped = len(r.buf) + len(chunk)
			r.buf = r.buf[:0]
		default:
			r.buf = append(r.buf, chunk...)
		}
		switch {
		case err == nil:
			return r.finish(tooLong, max)
		case errors.Is(err, bufio.ErrBufferFull):
			if tooLong && r.drop > 0 && dropped > r.drop {
				return nil, ErrLineOverrun // the line goes on: stop in its middle
			}
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
