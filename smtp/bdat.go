package smtp

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"mailq/wire"
)

// CHUNKING (RFC 3030): the message comes as BDAT chunks of announced
// length, raw octets with no dot-stuffing and no terminator, the last one
// marked LAST. The first BDAT of a transaction takes the message as DATA
// does (takeMessage: the same draft, trace fields, header checks and
// durable commit, through finishMessage); only the source of the octets
// differs: a chunkReader in place of wire's dot-decoder. The chunks after
// the first are read inside that same call, each answered with 250, so the
// transaction never rests between two commands with a half-written draft.
//
// Whatever the state, a BDAT's chunk is read before it is answered, so
// that the client stays in step (RFC 3030 §2): with no recipient it gets
// 503 after its chunk, and after a failed chunk the chunks already
// pipelined are read and refused the same way (§4.2). A BDAT whose size
// cannot be read ends the session: its chunk would be taken for commands.
//
// BINARYMIME (RFC 3030 §3) is not offered: the stored message, the POP3
// server's dot-encoder and the MXA's DATA all assume CRLF lines, so binary
// bodies would need more than a new keyword. Chunks are stored as sent;
// a bare LF is not turned into CRLF as DATA's decoder does.

var (
	// replyBdatSyntax ends the session: without its size the chunk cannot
	// be skipped (RFC 3030 §2 "BDAT" SP chunk-size [SP end-marker]).
	replyBdatSyntax = reply(501, "5.5.4", "Syntax: BDAT <size> [LAST], closing connection").closing()
	// replyBdatAbandoned ends a chunked transfer that another command
	// interrupted; that command's own reply is what the client gets.
	replyBdatAbandoned = reply(503, "5.5.1", "BDAT transfer abandoned")
)

// cmdBdat answers BDAT (RFC 3030 §2). Outside a transaction with
// recipients, the chunk is read and dropped and the answer is 503.
func (s *session) cmdBdat(arg string) Reply {
	size, last, ok := parseBdat(arg)
	if !ok {
		s.closeWhy = "BDAT without a valid size"
		return replyBdatSyntax
	}
	if s.state != stateRcpt {
		if r, lost := s.skipChunk(size); lost {
			return r
		}
		return s.outOfSequence("BDAT")
	}
	cr := &chunkReader{s: s, chunk: size, left: size, last: last, max: s.srv.opt.SMTP.MaxMessageSize}
	r := s.takeMessage(func() io.Reader { return cr }, func() {
		if r, lost := s.skipChunk(size); lost {
			cr.lost = &r
		}
	})
	switch {
	case cr.lost != nil:
		return *cr.lost
	case cr.pending != nil:
		// The transfer is abandoned and the transaction reset; the command
		// that interrupted it runs as if sent on its own.
		return s.dispatch(cr.pending)
	}
	return r
}

// parseBdat reads "size [LAST]"; size is 1*DIGIT (RFC 3030 §2) and must
// fit an int64.
func parseBdat(arg string) (size int64, last bool, ok bool) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || (len(f) == 2 && !strings.EqualFold(f[1], "LAST")) {
		return 0, false, false
	}
	for _, c := range f[0] {
		if c < '0' || c > '9' {
			return 0, false, false
		}
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	return n, len(f) == 2, err == nil
}

// skipChunk reads and drops a chunk of size octets, within the time a
// transfer has (dataDeadline). When the connection fails it returns the
// end of the session and true.
func (s *session) skipChunk(size int64) (Reply, bool) {
	s.startData()
	defer s.endData()
	if _, err := io.CopyN(io.Discard, s.br, size); err != nil {
		s.readFailed(err)
		return Reply{written: true, Close: true}, true
	}
	return Reply{}, false
}

// chunkReader yields the octets of a transaction's BDAT chunks, reading
// each next BDAT command itself after answering the chunk before. It ends
// with io.EOF after the LAST chunk, wire.ErrTooLarge once a chunk would
// take the message past max (that chunk read and dropped first, RFC 3030
// §4.2), a Reply for a command line that cannot be a chunk, or the
// connection's error.
type chunkReader struct {
	s       *session
	chunk   int64 // octets of the current chunk
	left    int64 // ... not yet read
	last    bool  // the current chunk is the LAST
	size    int64 // octets of all chunks so far
	max     int64 // SMTPMaxMessageSize; 0 for no limit
	err     error
	pending []byte // a command that came in place of the next BDAT
	lost    *Reply // the connection failed while a chunk was skipped
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for r.err == nil && len(p) > 0 {
		if r.max > 0 && r.left > r.max-r.size { // not size+left: that can wrap
			// RFC 3030 §4.2 with RFC 1870: the whole chunk is read, then 552.
			if _, err := io.CopyN(io.Discard, r.s.br, r.left); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF // the client left inside a chunk, no end of message
				}
				r.err = err
				break
			}
			r.size += r.left
			r.left, r.err = 0, wire.ErrTooLarge
			break
		}
		if r.left > 0 {
			n, err := r.s.br.Read(p[:min(int64(len(p)), r.left)])
			r.left -= int64(n)
			r.size += int64(n)
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the client left inside a chunk
			}
			r.err = err
			if n > 0 {
				return n, nil
			}
			continue
		}
		if r.last {
			r.err = io.EOF
			break
		}
		r.s.send(reply(250, "2.0.0", strconv.FormatInt(r.chunk, 10)+" octets received")) // as in RFC 3030 §4.2's examples
		r.err = r.next()
	}
	return 0, r.err
}

// next reads the command after a chunk that was not the LAST: another
// BDAT continues the message; anything else abandons it (pending).
func (r *chunkReader) next() error {
	s := r.s
	line, err := s.lr.ReadLine(maxCommand)
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		return replyLineTooLong
	case err != nil:
		return err
	}
	if !s.srv.opt.Server.NoBackSpace {
		line = wire.Backspace(line)
	}
	if c, perr := parseCommand(line); perr == nil && c.verb == "BDAT" {
		size, last, ok := parseBdat(c.arg)
		if !ok {
			s.closeWhy = "BDAT without a valid size"
			return replyBdatSyntax
		}
		r.chunk, r.left, r.last = size, size, last
		return nil
	}
	r.pending = append([]byte(nil), line...)
	return replyBdatAbandoned
}
