package wire

import (
	"bufio"
	"errors"
	"io"
)

// ErrTooLarge is returned by a DataReader, after the final dot has been
// read, when the message was over its size limit. The connection is in step
// again, so the caller answers 552 (RFC 5321 §4.5.3.1.9).
var ErrTooLarge = errors.New("wire: message too large")

// DataReader decodes the mail data that follows SMTP DATA's 354 reply. It
// yields the message as it is to be stored: dot-unstuffed, with every line
// ending in CRLF. It streams, in constant memory, whatever the size of the
// message or of its lines.
//
// The rules, which the package comment explains in full:
//
//   - The data ends only at CRLF "." CRLF, both CRLFs real (RFC 5321
//     §4.1.1.4); the DATA command's own line end counts as the first, so
//     data starting with ".\r\n" is an empty message.
//   - A bare LF, and a CR not followed by LF, each become CRLF in the
//     output. They end a line for dot-unstuffing but never end the data.
//   - A '.' at the start of a line is removed, once (RFC 5321 §4.5.2). A
//     line that was only "." but did not end the data becomes empty, so
//     only a line the client sent as ".." is stored as ".".
//
// Bytes after the terminator stay unread in the bufio.Reader: pipelined
// commands are not lost.
type DataReader struct {
	br   *bufio.Reader
	max  int64
	size int64
	dec  decoder
	over bool  // size went over max: drop the rest
	err  error // sticky: io.EOF, ErrTooLarge, io.ErrUnexpectedEOF, or a read error
}

// NewDataReader returns a DataReader reading from br. When max is positive,
// a message of more than max decoded octets is read on to its end and
// dropped: Read returns at most max octets and then ErrTooLarge. A
// connection that ends before the terminator gives io.ErrUnexpectedEOF.
func NewDataReader(br *bufio.Reader, max int64) *DataReader {
	return &DataReader{br: br, max: max}
}

// Read implements io.Reader.
func (r *DataReader) Read(p []byte) (int, error) {
	for r.err == nil && len(p) > 0 {
		if r.over {
			r.err = r.drain(p)
			break
		}
		n, err := r.step(p)
		if r.max > 0 && r.size > r.max {
			// Return what fits and drop the rest, reading on to the end
			// so that the reply comes after the final dot.
			r.over = true
			n -= int(r.size - r.max)
			if err == io.EOF {
				err = ErrTooLarge
			}
		}
		r.err = err
		if n > 0 {
			return n, nil
		}
	}
	return 0, r.err
}

// Size returns the number of decoded octets read so far, counting those
// dropped after the size limit was passed.
func (r *DataReader) Size() int64 {
	return r.size
}

// step decodes what is buffered, reading from the connection only when
// nothing is. It returns io.EOF once the terminator has been consumed.
func (r *DataReader) step(p []byte) (int, error) {
	var src []byte
	if !r.dec.lf && r.dec.state != dataEnd {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF // RFC 5321 §4.1.1.4: no terminator
				}
				return 0, err
			}
		}
		src, _ = r.br.Peek(r.br.Buffered())
	}
	nw, nr := r.dec.decode(p, src)
	_, _ = r.br.Discard(nr) // nr ≤ Buffered(): cannot fail
	r.size += int64(nw)
	if r.dec.state == dataEnd && !r.dec.lf {
		return nw, io.EOF
	}
	return nw, nil
}

// drain decodes into scratch and drops the result until the terminator.
func (r *DataReader) drain(scratch []byte) error {
	for {
		if _, err := r.step(scratch); err != nil {
			if err == io.EOF {
				return ErrTooLarge
			}
			return err
		}
	}
}

// dataState is where the decoder stands in the data.
type dataState uint8

const (
	dataBOL     dataState = iota // start of an SMTP line: after a real CRLF, or the start of the data
	dataWeakBOL                  // start of a line after a bare CR or LF: never the end of the data
	dataMid                      // inside a line
	dataCR                       // after a CR that is not part of a line-leading ".\r"
	dataDot                      // after a '.' at dataBOL
	dataDotCR                    // after ".\r" at dataBOL
	dataEnd                      // after the terminator
)

// decoder is the DATA state machine. It does no I/O, so it is tested and
// fuzzed on its own terms through DataReader.
type decoder struct {
	state dataState
	lf    bool // the CR of a CRLF filled the last dst; its LF is owed
}

// decode decodes src into dst until dst is full, src is used up, or the
// terminator has been read, and returns the bytes written and consumed. It
// never consumes a byte past the terminator.
func (d *decoder) decode(dst, src []byte) (nw, nr int) {
	for nw < len(dst) {
		if d.lf {
			dst[nw] = '\n'
			nw++
			d.lf = false
			continue
		}
		if d.state == dataEnd || nr == len(src) {
			break
		}
		c := src[nr]
		switch d.state {
		case dataMid:
			if n := lineRun(dst[nw:], src[nr:]); n > 0 {
				nw += n
				nr += n
				continue
			}
			nr++ // c is CR or LF
			if c == '\r' {
				d.state = dataCR
				break
			}
			nw += d.crlf(dst[nw:]) // bare LF: normalised, not an SMTP line end
			d.state = dataWeakBOL
		case dataBOL, dataWeakBOL:
			nw, nr = d.lineStart(c, dst, nw, nr)
		case dataDot:
			if c == '\r' {
				nr++
				d.state = dataDotCR
				break
			}
			// RFC 5321 §4.5.2: a leading dot with more on the line is
			// deleted; c is decoded as the line's first byte after it.
			d.state = dataMid
		case dataDotCR:
			if c == '\n' {
				nr++
				d.state = dataEnd // RFC 5321 §4.1.1.4: CRLF "." CRLF
				break
			}
			// ".\r" then not LF: the dot is deleted and the bare CR becomes
			// a line end; c starts the next line.
			nw += d.crlf(dst[nw:])
			d.state = dataWeakBOL
		case dataCR:
			d.state = dataWeakBOL // bare CR: normalised, c starts the next line
			if c == '\n' {
				nr++
				d.state = dataBOL // a real CRLF (RFC 5321 §2.3.8)
			}
			nw += d.crlf(dst[nw:])
		}
	}
	return nw, nr
}

// lineStart decodes c, the first byte of a line.
func (d *decoder) lineStart(c byte, dst []byte, nw, nr int) (int, int) {
	switch c {
	case '.':
		nr++
		if d.state == dataBOL {
			d.state = dataDot // maybe the terminator
		} else {
			d.state = dataMid // RFC 5321 §4.5.2: deleted; after a bare line end it cannot end the data
		}
	case '\r':
		nr++
		d.state = dataCR
	case '\n':
		nr++
		nw += d.crlf(dst[nw:])
		d.state = dataWeakBOL
	default:
		d.state = dataMid
	}
	return nw, nr
}

// crlf writes a line end into dst, which has room for at least one byte,
// and owes the LF when there is no room for it.
func (d *decoder) crlf(dst []byte) int {
	if len(dst) < 2 {
		dst[0] = '\r'
		d.lf = true
		return 1
	}
	dst[0], dst[1] = '\r', '\n'
	return 2
}

// lineRun copies from src to dst up to the first CR or LF and returns the
// number of bytes copied.
func lineRun(dst, src []byte) int {
	if len(src) > len(dst) {
		src = src[:len(dst)]
	}
	if end := lineEnd(src); end >= 0 {
		src = src[:end]
	}
	return copy(dst, src)
}
