package smtp

import (
	"bytes"
	"context"
	"io"

	"mailq/msgauth"
)

// Sender authentication (package msgauth): SPF at MAIL, DKIM and DMARC
// after the final dot, the policies' replies and the
// Authentication-Results field. Loopback clients, those that may relay
// without authenticating ([RelayIPs], POP-before-SMTP) and authenticated
// senders are not checked: they are ours, and their mail leaves as it came.

// authState is the sender authentication of the transaction in progress,
// set at each MAIL.
type authState struct {
	checked bool // the message is checked after DATA
	spf     msgauth.SPFOutcome
}

// authExempt reports whether the session's mail skips the checks.
func (s *session) authExempt() bool {
	return !s.srv.opt.Auth.Enabled() || !s.ip.IsValid() || s.ip.IsLoopback() ||
		s.user != "" || s.srv.guard.MayRelay(s.client())
}

// authMail checks SPF for MAIL FROM and HELO; under SPFPolicy=refuse a fail
// is refused here, before any data (RFC 7208 §8.4), and a temperror
// deferred (§8.6).
func (s *session) authMail(from string) error {
	s.auth = authState{}
	if s.authExempt() {
		return nil
	}
	out, v := s.srv.opt.Auth.CheckSPF(context.Background(), s.ip, s.helo, from)
	s.srv.log.Debugf("SMTP", s.id, "SPF %s for %q (HELO %s: %s) %s", out.Result, out.Domain, s.helo, out.HeloResult, out.Reason)
	if v.Action >= msgauth.Defer {
		return reply(v.Code, v.Enh, v.Text)
	}
	s.auth = authState{checked: true, spf: out}
	return nil
}

// heldMessage is a checked message kept in memory until its checks are
// done, since Authentication-Results goes in front of it; it is bounded by
// SMTPMaxMessageSize like the transfer itself.
type heldMessage struct {
	dst io.Writer
	buf bytes.Buffer
}

// authHold returns where the message is received: sink itself, or a
// held buffer when the message is to be checked.
func (s *session) authHold(sink io.Writer) (io.Writer, *heldMessage) {
	if !s.auth.checked {
		return sink, nil
	}
	h := &heldMessage{dst: sink}
	return &h.buf, h
}

// authRelease runs the checks on a held message and writes it, with its
// Authentication-Results (and, when marked, X-Spam-Flag and the subject
// tag), to the draft. It returns the bytes written, or the refusal of a
// policy (nothing is then kept) or the draft's write error.
func (s *session) authRelease(h *heldMessage, size int64) (int64, error) {
	if h == nil {
		return size, nil
	}
	c := s.srv.opt.Auth
	res, v := c.CheckMessage(context.Background(), h.buf.Bytes(), s.auth.spf)
	hdr := c.Header(res)
	s.srv.log.Debugf("SMTP", s.id, "%s", bytes.TrimRight([]byte(hdr), "\r\n"))
	if v.Action >= msgauth.Defer {
		return 0, reply(v.Code, v.Enh, v.Text)
	}
	n, err := h.dst.Write(c.Rewrite(h.buf.Bytes(), res, v.Action == msgauth.MarkSpam))
	if err != nil {
		s.srv.log.SMTPFailed(s.logConn(), "cannot write message", err, "")
	}
	return int64(n), err
}
