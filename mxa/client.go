package mxa

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"

	"mailq/config"
	"mailq/wire"
)

// Timeouts bound every wait of a delivery attempt. RFC 5321 §4.5.3.2 gives
// minimums for a server that is slow but working (5 minutes for the greeting,
// MAIL and RCPT, 2 for DATA, 3 per data block, 10 for the final reply); the
// defaults are a fifth of those, so that a server that hangs holds a worker
// for two minutes at most per wait, and Session caps the whole conversation.
type Timeouts struct {
	Connect  time.Duration // the TCP connection, per address
	Greeting time.Duration // the 220 greeting (§4.5.3.2.1)
	Command  time.Duration // replies to EHLO, STARTTLS, AUTH, MAIL, RCPT, QUIT (§4.5.3.2.2, .3)
	DataInit time.Duration // the 354 reply to DATA (§4.5.3.2.4)
	Block    time.Duration // each write of message data (§4.5.3.2.5)
	DataEnd  time.Duration // the reply to the final dot (§4.5.3.2.6)
	Lookup   time.Duration // one DNS lookup
	// Session caps one connection from dial to QUIT; a message gets one
	// more second per 64 KB, so a large one on a slow link can finish.
	Session time.Duration
}

// DefaultTimeouts returns the RFC 5321 §4.5.3.2 times divided by five.
func DefaultTimeouts() Timeouts {
	const scale = 5
	return Timeouts{
		Connect:  30 * time.Second,
		Greeting: 5 * time.Minute / scale,
		Command:  5 * time.Minute / scale,
		DataInit: 2 * time.Minute / scale,
		Block:    3 * time.Minute / scale,
		DataEnd:  10 * time.Minute / scale,
		Lookup:   20 * time.Second,
		Session:  5 * time.Minute,
	}
}

// Reply limits: RFC 5321 §4.5.3.1.5 allows 512 octets a reply line; servers
// send longer ones, so accept four times that, and a bounded number of lines.
const (
	maxReplyLine  = 2048
	maxReplyLines = 200
)

// clientConfig is what every session of an agent shares.
type clientConfig struct {
	hostName   string // EHLO argument
	t          Timeouts
	roots      *x509.CertPool // for TLSVerify; nil means the system's
	user, pass string         // gateway login; "" for none
}

// session is one SMTP connection to a next-hop server.
type session struct {
	cfg  *clientConfig
	conn net.Conn
	br   *bufio.Reader
	lr   *wire.LineReader
	bw   *bufio.Writer
	ext  map[string]string // EHLO keywords (upper case) and their parameters
	mode tlsMode           // the route's TLS policy (tls.go)
	tls  bool              // the connection is encrypted
	// verified: the certificate was checked; tlsDesc: version and cipher.
	verified bool
	tlsDesc  string
	name     string // the server's name, for TLS and for texts
	host     string // name[ip], recorded with its replies
	end      time.Time
	stop     func() bool // ends the context watch
}

// errTLS marks a failed STARTTLS handshake: with opportunistic TLS the
// caller connects again without it.
type tlsError struct{ r *Reply }

func (e *tlsError) Error() string { return e.r.Error() }
func (e *tlsError) Unwrap() error { return e.r }

// dial connects to addr and runs the session up to MAIL: TLS at once in
// implicit mode, greeting, EHLO (HELO if refused), STARTTLS as the policy
// says (RFC 3207) and AUTH when login is true. The error is a *Reply (a
// *tlsError for a failed handshake); an unusable session is closed.
func (c *clientConfig) dial(ctx context.Context, name string, addr netip.AddrPort, login bool, mode tlsMode, size int64) (*session, error) {
	host := fmt.Sprintf("%s[%s]", name, addr.Addr())
	d := net.Dialer{Timeout: c.t.Connect}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, dialReply(host, addr, err)
	}
	s := &session{cfg: c, conn: conn, name: name, host: host, mode: mode,
		end: time.Now().Add(c.t.Session + time.Duration(size/65536)*time.Second)}
	s.setConn(conn)
	// Cancelling the context (the agent stopping) ends every wait at once.
	s.stop = context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	if mode.implicit {
		if err := s.handshake(ctx); err != nil { // RFC 8314 §3: TLS first
			s.close()
			return nil, err
		}
	}
	if err := s.open(ctx, login); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *session) setConn(c net.Conn) {
	s.conn = c
	s.br = bufio.NewReaderSize(c, 4096)
	s.lr = wire.NewLineReader(s.br)
	s.bw = bufio.NewWriterSize(c, 32*1024)
}

func (s *session) open(ctx context.Context, login bool) error {
	r, err := s.readReply(s.cfg.t.Greeting, "the greeting")
	if err != nil {
		return err
	}
	if r.Code != 220 {
		return r // RFC 5321 §3.1: 554 means "no service here"
	}
	if err := s.hello(); err != nil {
		return err
	}
	_, offered := s.ext["STARTTLS"]
	switch {
	case s.tls || s.mode.policy == config.TLSNone:
	case offered:
		if err := s.startTLS(ctx); err != nil {
			return err
		}
	case s.mode.policy != config.TLSOpportunistic:
		return local("4.7.4", "%s does not offer STARTTLS, and the TLS policy is %s", s.host, s.mode.policy)
	}
	if login && s.cfg.user != "" {
		return s.auth()
	}
	return nil
}

// hello sends EHLO, and HELO when the server does not know EHLO (RFC 5321
// §4.1.4); it records the extensions offered.
func (s *session) hello() error {
	r, err := s.cmd(s.cfg.t.Command, "EHLO", "EHLO "+s.cfg.hostName)
	if err != nil {
		return err
	}
	s.ext = map[string]string{}
	if r.Code == 250 {
		for _, l := range r.Lines[min(1, len(r.Lines)):] {
			kw, param, _ := strings.Cut(l, " ")
			if k, p, ok := strings.Cut(kw, "="); ok { // the old "AUTH=LOGIN" form
				kw, param = k, p+" "+param
			}
			s.ext[strings.ToUpper(kw)] = strings.TrimSpace(param)
		}
		return nil
	}
	if r.Code < 500 {
		return r
	}
	r, err = s.cmd(s.cfg.t.Command, "HELO", "HELO "+s.cfg.hostName)
	if err != nil {
		return err
	}
	if r.Code != 250 {
		return r
	}
	return nil
}

// startTLS upgrades the connection (RFC 3207 §4). Certificates are checked
// only under the verify policy: opportunistic TLS (RFC 7435) is better than
// plain text even when the certificate is self-made.
func (s *session) startTLS(ctx context.Context) error {
	r, err := s.cmd(s.cfg.t.Command, "STARTTLS", "STARTTLS")
	if err != nil {
		return err
	}
	if r.Code != 220 {
		if s.mode.policy != config.TLSOpportunistic {
			return r
		}
		return nil // go on in plain text
	}
	if s.br.Buffered() > 0 {
		// Text after the 220 was sent in the clear and could be an
		// attacker's: RFC 3207 §4.2 is about servers, the same holds here.
		return local("4.7.0", "%s sent data after its STARTTLS reply", s.host)
	}
	if err := s.handshake(ctx); err != nil {
		return err
	}
	return s.hello() // RFC 3207 §4.2: forget what was learnt before TLS
}

// auth logs in with the gateway account: PLAIN if offered, else LOGIN (RFC
// 4954). A password never goes over a plain-text connection, except to a
// loopback or private address. A refused login is a temporary failure:
// the administrator fixes the account, and the mail waits.
func (s *session) auth() error {
	mechs, ok := s.ext["AUTH"]
	if !ok {
		return nil // the server does not ask for a login
	}
	if !s.tls && !privateAddr(s.conn.RemoteAddr()) {
		return local("4.7.0", "not sending the password for %s to %s without TLS", s.cfg.user, s.host)
	}
	var c sasl.Client
	for _, m := range strings.Fields(strings.ToUpper(mechs)) {
		if m == sasl.Plain {
			c = sasl.NewPlainClient("", s.cfg.user, s.cfg.pass)
			break
		}
		if m == sasl.Login {
			c = sasl.NewLoginClient(s.cfg.user, s.cfg.pass)
		}
	}
	if c == nil {
		return local("4.7.0", "%s offers no login method mailq knows (PLAIN, LOGIN): %s", s.host, mechs)
	}
	mech, ir, err := c.Start()
	if err != nil {
		return local("4.7.0", "login to %s: %v", s.host, err)
	}
	line := "AUTH " + mech
	if ir != nil {
		line += " " + base64.StdEncoding.EncodeToString(ir) // RFC 4954 §4 initial response
	}
	for range 5 {
		r, err := s.cmd(s.cfg.t.Command, "AUTH", line)
		if err != nil {
			return err
		}
		switch {
		case r.Code == 235:
			return nil
		case r.Code != 334:
			return local("4.7.8", "%s refused the login of %s: %s", s.host, s.cfg.user, r.Error())
		}
		challenge, derr := base64.StdEncoding.DecodeString(strings.Join(r.Lines, ""))
		resp, nerr := c.Next(challenge)
		if derr != nil || nerr != nil {
			s.cmd(s.cfg.t.Command, "AUTH", "*") // RFC 4954 §4: cancel
			return local("4.7.0", "login to %s: unexpected challenge", s.host)
		}
		line = base64.StdEncoding.EncodeToString(resp)
	}
	return local("4.7.0", "login to %s: too many challenges", s.host)
}

// cmd sends one command line and reads its reply. what names the command in
// texts; the line itself may hold a password.
func (s *session) cmd(timeout time.Duration, what, line string) (*Reply, error) {
	if err := s.send(line); err != nil {
		return nil, err
	}
	if err := s.flush(what); err != nil {
		return nil, err
	}
	return s.readReply(timeout, "the reply to "+what)
}

// send buffers one command line.
func (s *session) send(line string) error {
	s.bw.WriteString(line)
	_, err := s.bw.WriteString("\r\n")
	return err
}

func (s *session) flush(what string) error {
	s.deadline(s.cfg.t.Command)
	if err := s.bw.Flush(); err != nil {
		return s.netReply("sending "+what, err)
	}
	return nil
}

// readReply reads one reply, possibly of several lines (RFC 5321 §4.2.1).
func (s *session) readReply(timeout time.Duration, what string) (*Reply, error) {
	s.deadline(timeout)
	r := &Reply{Host: s.host}
	for n := 0; ; n++ {
		line, err := s.lr.ReadLine(maxReplyLine)
		if err != nil {
			return nil, s.netReply("waiting for "+what, err)
		}
		code, more, text, ok := parseReplyLine(string(line))
		if !ok || (n > 0 && code != r.Code) || n >= maxReplyLines {
			return nil, local("4.5.0", "%s sent a malformed reply while mailq was waiting for %s", s.host, what)
		}
		enh, rest := splitEnh(code, text)
		if n == 0 {
			r.Code, r.Enh = code, enh
		}
		if enh == r.Enh {
			text = rest
		}
		r.Lines = append(r.Lines, text)
		if !more {
			return r, nil
		}
	}
}

// deadline sets the connection deadline to timeout from now, but never past
// the end of the session.
func (s *session) deadline(timeout time.Duration) {
	d := time.Now().Add(timeout)
	if s.end.Before(d) {
		d = s.end
	}
	s.conn.SetDeadline(d)
}

// quit ends the session politely (RFC 5321 §4.1.1.10) and closes it.
func (s *session) quit() {
	if s.send("QUIT") == nil && s.flush("QUIT") == nil {
		s.readReply(min(s.cfg.t.Command, 5*time.Second), "the reply to QUIT")
	}
	s.close()
}

func (s *session) close() {
	s.stop()
	s.conn.Close()
}

// netReply describes a failed read or write as a temporary local reply:
// X.4.2, bad connection (RFC 3463 §3.5).
func (s *session) netReply(what string, err error) *Reply {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return local("4.4.2", "%s: timed out %s", s.host, what)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isConnReset(err):
		return local("4.4.2", "%s closed the connection %s", s.host, what)
	case errors.Is(err, wire.ErrLineTooLong):
		return local("4.5.0", "%s sent a reply line over %d octets %s", s.host, maxReplyLine, what)
	}
	return local("4.4.2", "%s: %s: %v", s.host, what, trimErr(err))
}

// dialReply describes a failed connection: X.4.1, no answer from host.
func dialReply(host string, addr netip.AddrPort, err error) *Reply {
	var ne net.Error
	switch {
	case isConnRefused(err):
		return local("4.4.1", "connection to %s port %d refused", host, addr.Port())
	case errors.As(err, &ne) && ne.Timeout():
		return local("4.4.1", "no answer from %s port %d", host, addr.Port())
	}
	return local("4.4.1", "cannot connect to %s port %d: %v", host, addr.Port(), trimErr(err))
}

// trimErr keeps the last part of a wrapped network error: "connection reset
// by peer", not the whole chain with addresses twice.
func trimErr(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// privateAddr reports whether a is a loopback or private-network address,
// where a password may travel without TLS (the LAN of a small office).
func privateAddr(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	ip = ip.Unmap()
	return ok && (ip.IsLoopback() || ip.IsPrivate())
}

// sizeLimit returns the SIZE the server announced (RFC 1870 §4), 0 if none.
func (s *session) sizeLimit() int64 {
	n, _ := strconv.ParseInt(s.ext["SIZE"], 10, 64)
	return max(n, 0)
}
