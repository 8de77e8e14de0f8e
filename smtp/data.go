package smtp

import (
	"errors"
	"io"
	"slices"

	"mailq/logs"
	"mailq/queue"
	"mailq/wire"
)

// maxHeaderScan bounds the header block read into memory to add fields in
// front and check it. A longer header is passed on unchecked.
const maxHeaderScan = 256 << 10

// headerBuf is the initial header buffer of a session; it grows as needed
// and is dropped after a message that made it grow past keepHeaderBuf.
const (
	headerBuf     = 8 << 10
	keepHeaderBuf = 64 << 10
)

var reply354 = Reply{Code: 354, Lines: []string{"End data with <CR><LF>.<CR><LF>"}}

// errConnection marks a DATA transfer that ended without its final dot
// (the client left or went silent): there is no one to answer.
var errConnection = errors.New("smtp: connection lost during DATA")

// cmdData receives the message (RFC 5321 §4.1.1.4) through wire's
// dot-decoder; BDAT (bdat.go) shares everything else (takeMessage).
func (s *session) cmdData(arg string) Reply {
	if arg != "" {
		return replyNoArgs
	}
	return s.takeMessage(func() io.Reader {
		s.sendNow(reply354)
		return wire.NewDataReader(s.br, s.srv.opt.SMTP.MaxMessageSize)
	}, nil)
}

// takeMessage receives one message, DATA's or BDAT's, into a draft of the
// incoming queue, adding the trace fields in front, and commits it before
// answering 250 (§6.1; DURABILITY rule 1). begin starts the transfer once
// the draft exists and returns the message's octets as stored; refused, if
// not nil, is called when the draft cannot be made, to stay in step with
// the client. Whatever happens, the transaction ends here (reset) and an
// uncommitted draft is removed.
func (s *session) takeMessage(begin func() io.Reader, refused func()) Reply {
	defer s.reset()
	o := &s.srv.opt
	now := s.srv.now()
	var d draft
	var id queue.ID
	t := &trace{}
	if o.Server.Test {
		id = queue.NewID(now) // for the log and the reply; nothing is written
	} else {
		var err error
		if d, err = s.newDraft(t); err != nil {
			s.srv.log.SMTPFailed(s.logConn(), "cannot create a message file", err, "")
			if refused != nil {
				refused()
			}
			return replyFor(err)
		}
		defer d.Abort() // a no-op after a successful commit
		id = d.ID()
	}
	*t = trace{host: headerSafe(s.srv.host, 255), helo: s.helo, ip: s.ip, proto: s.proto(),
		id: string(id), tracking: queue.NewTrackingID(), from: s.from, rcpts: addrs(s.rcpts), now: now,
		box: t.box, orig: t.orig}

	src := begin()
	s.startData() // the transfer's own deadline (dataDeadline)
	defer s.endData()
	var sink io.Writer = io.Discard
	if d != nil {
		sink = d
	}
	sink, held := s.authHold(sink) // msgauth.go: held for the checks at the end
	size, err := s.receive(sink, t, src)
	switch {
	case errors.Is(err, errConnection):
		return Reply{written: true, Close: true} // readFailed has answered or logged
	case err != nil:
		var r Reply
		if !errors.As(err, &r) {
			s.srv.log.SMTPFailed(s.logConn(), "cannot write message "+string(id), err, "")
		}
		return replyFor(err)
	}
	return s.finishMessage(d, t, held, size)
}

// finishMessage is the one point where a message received whole, by DATA
// or by BDAT ... LAST, is accepted or refused: the checks that need the
// whole message go here (the Guard's, chaos's EOD stage, msgauth's checks
// of the held message), then the durable commit and its 250.
func (s *session) finishMessage(d draft, t *trace, held *heldMessage, size int64) Reply {
	if err := s.srv.guard.Message(s.client(), size, len(s.rcpts)); err != nil {
		return replyFor(err)
	}
	if r, hit := s.chaosEndOfData(); hit { // chaos.go: the draft is removed
		return r
	}
	size, err := s.authRelease(held, size)
	if err != nil {
		return replyFor(err)
	}
	return s.commit(d, t, size)
}

// commit makes the draft a committed set and answers 250 only after that.
func (s *session) commit(d draft, t *trace, size int64) Reply {
	m := logs.SMTPMessage{QueueID: t.id, Tracking: t.tracking, Helo: s.helo, User: s.user,
		From: s.from, Rcpts: t.rcpts, Size: size, Test: d == nil}
	if d == nil {
		s.srv.log.SMTPReceived(s.logConn(), m)
		return reply(250, "2.0.0", "OK "+t.id+" accepted in test mode (/TEST), nothing was written")
	}
	env := &queue.Envelope{
		Tracking: t.tracking, Received: t.now.UTC(), ClientIP: s.ip, Helo: s.helo,
		AuthUser: s.user, From: s.from, Body: s.body, SMTPUTF8: s.smtputf8, Recipients: slices.Clone(s.rcpts),
		Origin: s.origin(), Ret: s.dsn.ret, EnvID: s.dsn.envid,
	}
	if err := d.Commit(env); err != nil {
		s.srv.log.SMTPFailed(s.logConn(), "cannot commit message "+t.id, err, "")
		return replyFor(err)
	}
	s.messages++
	if _, direct := d.(*directDraft); !direct {
		s.srv.opt.Committed() // a set for the MDA
	}
	m.Size = env.Size
	s.srv.log.SMTPReceived(s.logConn(), m)
	return reply(250, "2.0.0", "OK queued as "+t.id)
}

// receive reads the data from src to its end (DATA's final dot, BDAT's
// LAST chunk) and writes the message to w:
// trace fields, the client's header (without its Return-Path), the fields
// FixHeaders adds, then the body, streamed. It returns the bytes written,
// or an error: a Reply (too big, loop), errConnection, or w's first error,
// found only after the final dot so that the client is in step for the
// answer.
func (s *session) receive(w io.Writer, t *trace, dr io.Reader) (int64, error) {
	o := &s.srv.opt
	buf, h, rerr := s.readHeader(dr)
	defer s.keepHeaderBuf(buf)
	if rerr != nil && rerr != io.EOF {
		return 0, s.dataEnded(rerr)
	}
	if o.SMTP.DetectLoops && h.received > o.SMTP.MaxHops {
		if rerr == nil {
			if _, err := io.Copy(io.Discard, dr); err != io.EOF && err != nil {
				return 0, s.dataEnded(err)
			}
		}
		return 0, replyLoop // RFC 5321 §6.3
	}
	sw := &stickyWriter{w: w}
	sw.Write(s.header(buf, &h, t))
	if h.done {
		start := h.pos
		if h.blank { // the empty line: CRLF, or a bare LF from BDAT's raw octets
			start += slices.Index(buf[start:], '\n') + 1
		}
		sw.Write(buf[start:])
	} else {
		sw.Write(buf[h.pos:]) // too long to inspect: passed on as it came
	}
	if rerr == nil {
		cb := s.srv.bufs.Get().(*[]byte)
		_, rerr = io.CopyBuffer(sw, dr, *cb)
		s.srv.bufs.Put(cb)
		if rerr == nil {
			rerr = io.EOF // CopyBuffer turns the reader's EOF into nil
		}
	}
	if rerr != io.EOF {
		return 0, s.dataEnded(rerr)
	}
	return sw.n, sw.err
}

// header returns the header block as stored: trace fields, the client's
// fields without the dropped ones and, for a block that was read to its
// end, the FixHeaders fields and the empty line that ends it.
func (s *session) header(buf []byte, h *headerScan, t *trace) []byte {
	out := make([]byte, 0, 512+h.pos)
	out = t.appendDelivered(t.appendTrace(out)) // direct.go
	out = s.appendTags(out)
	last := 0
	for _, d := range h.drop {
		out = append(out, buf[last:d[0]]...)
		last = d[1]
	}
	out = append(out, buf[last:h.pos]...)
	if !h.done {
		return out
	}
	if s.srv.opt.Server.FixHeaders {
		out = t.appendFixes(out, h.has)
	}
	return append(out, "\r\n"...)
}

// readHeader reads from dr until the header block has been scanned to its
// end, maxHeaderScan bytes have been read, or the data ended. The error is
// nil (more data follows), io.EOF (the data ended: all of it is in buf), or
// what ended the transfer early.
func (s *session) readHeader(dr io.Reader) ([]byte, headerScan, error) {
	var h headerScan
	buf := s.hbuf[:0]
	if buf == nil {
		buf = make([]byte, 0, headerBuf)
	}
	for {
		if len(buf) == cap(buf) {
			if cap(buf) >= maxHeaderScan {
				return buf, h, nil
			}
			buf = slices.Grow(buf, min(cap(buf), maxHeaderScan-cap(buf)))
		}
		n, err := dr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			h.scan(buf, true)
			return buf, h, err
		}
		if h.scan(buf, false); h.done {
			return buf, h, nil
		}
	}
}

// keepHeaderBuf keeps a buffer of reasonable size for the next message.
func (s *session) keepHeaderBuf(buf []byte) {
	if cap(buf) <= keepHeaderBuf {
		s.hbuf = buf[:0]
	} else {
		s.hbuf = nil
	}
}

// dataEnded maps the error that ended a DATA transfer: over the size limit
// (the data was read to its end: 552, RFC 5321 §4.5.3.1.9), a command
// between BDAT chunks (its reply, bdat.go), or the connection failed
// (timeout: 421).
func (s *session) dataEnded(err error) error {
	var r Reply
	switch {
	case errors.Is(err, wire.ErrTooLarge):
		return replyTooBig
	case errors.As(err, &r):
		return r
	}
	s.readFailed(err)
	return errConnection
}

// proto is the "with" of Received (RFC 3848; RFC 6531 §4.3 under SMTPUTF8).
func (s *session) proto() string {
	switch {
	case s.smtputf8:
		return utf8Proto(s.user != "", s.tls)
	case !s.esmtp:
		return tlsProto("SMTP", s.tls)
	case s.user != "":
		return tlsProto("ESMTPA", s.tls)
	}
	return tlsProto("ESMTP", s.tls)
}

func addrs(rs []queue.Recipient) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Addr
	}
	return out
}

// stickyWriter writes to w until the first error and then only counts, so
// the data is read to its final dot before the error is answered.
type stickyWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (sw *stickyWriter) Write(p []byte) (int, error) {
	if sw.err == nil {
		n, err := sw.w.Write(p)
		sw.n += int64(n)
		sw.err = err
	}
	return len(p), nil
}
