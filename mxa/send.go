package mxa

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"mailq/wire"
)

// message is what one transaction carries.
type message struct {
	from  string // envelope sender; "" is the null sender
	body8 bool   // BODY=8BITMIME was declared when it was received (RFC 6152)
	utf8  bool   // SMTPUTF8 was declared when it was received (RFC 6531; utf8.go)
	size  int64  // octets in the stored message
	open  func() (io.ReadCloser, error)
	dsn   *dsnRequest // RET, ENVID, NOTIFY, ORCPT for a next hop with DSN (dsnsend.go)

	header8 *bool // whether the header holds 8-bit octets, once known (asciiHeader)
}

// transact sends one message to rcpts over an open session: MAIL, RCPT for
// each recipient and DATA (RFC 5321 §3.3), as one pipelined group when the
// server offers PIPELINING (RFC 2920 §3.1). It returns a reply per
// recipient: the RCPT reply if that was not 2yz, else the reply to the final
// dot. afterDot reports that the connection failed after the final dot was
// sent, so the server may have taken the message: the caller must not try
// another server now (the one duplicate no MTA can rule out).
func (s *session) transact(m *message, rcpts []string) (replies []*Reply, afterDot bool) {
	all := func(r *Reply) []*Reply {
		out := make([]*Reply, len(rcpts))
		for i := range out {
			out[i] = r
		}
		return out
	}
	if limit := s.sizeLimit(); limit > 0 && m.size > limit {
		// RFC 1870 §6: do not send what the server said it will refuse.
		return all(&Reply{Code: 552, Enh: "5.3.4", Lines: []string{
			fmt.Sprintf("message of %d octets is over the limit of %d of %s", m.size, limit, s.host)}}), false
	}
	f, err := m.open()
	if err != nil {
		return all(local("4.3.0", "cannot read the message: %v", err)), false
	}
	defer f.Close()

	mail := "MAIL FROM:<" + m.from + ">"
	if _, ok := s.ext["SIZE"]; ok {
		mail += " SIZE=" + strconv.FormatInt(m.size, 10) // RFC 1870 §6
	}
	if _, ok := s.ext["8BITMIME"]; ok && m.body8 {
		mail += " BODY=8BITMIME" // RFC 6152 §3
	}
	mail += m.dsn.mailArgs(s) // RFC 3461 §5.2
	mail += utf8MailParam(m, s.ext)
	lines := make([]string, len(rcpts))
	for i, rcpt := range rcpts {
		lines[i] = m.dsn.rcptLine(s, rcpt)
	}
	_, pipelining := s.ext["PIPELINING"]
	if pipelining {
		var ok bool
		replies, ok, err = s.pipelined(mail, lines)
		if err != nil || !ok {
			return fill(replies, err), false
		}
	} else {
		r, err := s.cmd(s.cfg.t.Command, "MAIL", mail)
		if err != nil {
			return all(asReply(err)), false
		}
		if r.Code != 250 {
			return all(r), false
		}
		replies = make([]*Reply, len(rcpts))
		accepted := 0
		for i, line := range lines {
			r, err := s.cmd(s.cfg.t.Command, "RCPT", line)
			if err != nil {
				return fill(replies, err), false
			}
			if r.Code/100 != 2 {
				replies[i] = r
			} else {
				accepted++
			}
		}
		if accepted == 0 {
			return replies, false
		}
		r, err = s.cmd(s.cfg.t.DataInit, "DATA", "DATA")
		if err != nil || r.Code != 354 {
			return fill(replies, replyOf(r, err)), false
		}
	}
	r, sent, err := s.data(f)
	if err != nil {
		return fill(replies, err), sent
	}
	if r != nil && s.offersDSN() {
		r.Passed = true // the next hop took the DSN request over
	}
	return fill(replies, r), false
}

// pipelined sends MAIL, the RCPTs and DATA in one write and reads their
// replies in order. ok is true when the server answered DATA with 354 and at
// least one recipient was accepted; replies holds the refused recipients'.
// rcpts are the RCPT command lines.
func (s *session) pipelined(mail string, rcpts []string) (replies []*Reply, ok bool, err error) {
	s.send(mail)
	for _, rcpt := range rcpts {
		s.send(rcpt)
	}
	s.send("DATA")
	replies = make([]*Reply, len(rcpts))
	if err := s.flush("MAIL"); err != nil {
		return replies, false, err
	}
	mr, err := s.readReply(s.cfg.t.Command, "the reply to MAIL")
	if err != nil {
		return replies, false, err
	}
	accepted := 0
	for i := range rcpts {
		r, err := s.readReply(s.cfg.t.Command, "the reply to RCPT")
		if err != nil {
			return replies, false, err
		}
		switch {
		case mr.Code != 250:
			replies[i] = mr // the RCPT replies say "need MAIL first"
		case r.Code/100 != 2:
			replies[i] = r
		default:
			accepted++
		}
	}
	dr, err := s.readReply(s.cfg.t.DataInit, "the reply to DATA")
	if err != nil {
		return replies, false, err
	}
	if dr.Code != 354 {
		if accepted > 0 {
			return replies, false, dr
		}
		return replies, false, nil
	}
	if accepted == 0 {
		// The server took DATA with no recipient: end the empty message
		// at once (RFC 2920 §3.1); nothing is delivered to anyone.
		s.send(".")
		s.flush("DATA")
		s.readReply(s.cfg.t.DataEnd, "the reply to the end of data")
		return replies, false, nil
	}
	return replies, true, nil
}

// data streams the message through the dot-encoder (RFC 5321 §4.5.2) and
// reads the reply to the final dot. sent reports that the final dot went out.
func (s *session) data(f io.Reader) (r *Reply, sent bool, err error) {
	dw := wire.NewDotWriter(s.bw)
	buf := make([]byte, 32*1024)
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			s.deadline(s.cfg.t.Block)
			if _, err := dw.Write(buf[:n]); err != nil {
				return nil, false, s.netReply("sending the message", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			// Never end a message we could not read: closing without the
			// dot makes the server drop it.
			return nil, false, local("4.3.0", "cannot read the message: %v", rerr)
		}
	}
	s.deadline(s.cfg.t.Block)
	if err := dw.Close(); err != nil {
		return nil, false, s.netReply("sending the message", err)
	}
	if err := s.bw.Flush(); err != nil {
		return nil, false, s.netReply("sending the message", err)
	}
	r, err = s.readReply(s.cfg.t.DataEnd, "the reply to the end of data")
	if err != nil {
		return nil, true, err
	}
	return r, false, nil
}

// fill gives every recipient without a reply yet the reply r (an error
// that is not a *Reply becomes a local temporary one).
func fill(replies []*Reply, err error) []*Reply {
	var r *Reply
	if err != nil {
		r = asReply(err)
	}
	for i := range replies {
		if replies[i] == nil {
			replies[i] = r
		}
	}
	return replies
}

func replyOf(r *Reply, err error) *Reply {
	if err != nil {
		return asReply(err)
	}
	return r
}

// asReply returns err as a *Reply; another error becomes a local temporary
// reply.
func asReply(err error) *Reply {
	var r *Reply
	if errors.As(err, &r) {
		return r
	}
	return local("4.0.0", "%v", err)
}
