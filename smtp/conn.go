package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"mailq/logs"
	"mailq/queue"
	"mailq/wire"
)

// state is where a session stands in the SMTP dialogue (RFC 5321 §4.1.4).
type state int

const (
	stateConnected state = iota // greeted by us, no HELO/EHLO yet
	stateGreeted                // HELO/EHLO done, no transaction
	stateMail                   // MAIL accepted
	stateRcpt                   // at least one RCPT accepted
)

func (s state) String() string {
	switch s {
	case stateConnected:
		return "connected"
	case stateGreeted:
		return "greeted"
	case stateMail:
		return "mail"
	case stateRcpt:
		return "rcpt"
	}
	return "unknown"
}

// Line limits. RFC 5321 §4.5.3.1.4 allows 512 octets with the CRLF; SIZE,
// BODY and AUTH= may lengthen MAIL (RFC 4954 §5 adds 500); NOTIFY and
// ORCPT may lengthen RCPT by 500 (RFC 3461 §4); AUTH and its responses may
// reach 12288 (RFC 4954 §4).
const (
	maxCommand  = 512 - 2
	maxMailLine = 1012 - 2
	maxRcptLine = 512 + 500 - 2
	maxAuthLine = 12288 - 2
)

// session is one SMTP connection: the state machine and the envelope of the
// message in progress. Only its own goroutine touches it, except the
// atomics, which shutdown sets.
type session struct {
	srv   *Server
	conn  net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
	lr    *wire.LineReader
	id    string
	ip    netip.Addr
	start time.Time

	state state
	helo  string
	esmtp bool
	user  string // the authenticated user
	mech  string // how they authenticated

	// The message in progress; reset clears these.
	from     string // "" is the null sender
	body     queue.Body
	declared int64   // SIZE=, 0 if not given
	smtputf8 bool    // MAIL's SMTPUTF8 (RFC 6531, utf8.go)
	dsn      dsnMail // RET=, ENVID= (dsn.go)
	rcpts    []queue.Recipient
	hbuf     []byte // the header buffer, kept between messages

	auth authState // sender authentication of the transaction (msgauth.go)

	// Counters of the whole session.
	messages     int
	failed       int
	authFailures int
	unknown      int
	times        int

	// Shutdown and deadlines (see deadline.go and shutdown). Idle is
	// waiting for a command outside a transaction.
	sd       wire.Shutdown
	dataEnd  time.Time // a refused session's limit; zero otherwise
	closeWhy string

	// Time per line and per transfer (deadline.go).
	clock     *wire.ClockReader
	firstEnd  time.Time // the limit for the first command; zero after it
	dataStart time.Time // when DATA began; zero outside DATA
	dataBase  int64     // clock.Count() when DATA began

	// TLS (starttls.go): after STARTTLS conn is the TLS connection and raw
	// the TCP one, whose deadline shutdown sets; tls is nil before TLS.
	raw net.Conn
	tls *tls.ConnectionState

	chaos chaosState // [Chaos] (chaos.go)
}

// handle runs one session to its end and closes the connection. The Guard
// is asked before the session takes a slot (takeSlot), so a refused client
// never holds one; admitted is called once it holds one, or gives up.
func (srv *Server) handle(ctx context.Context, c net.Conn, admitted func()) {
	defer admitted()
	s := &session{srv: srv, conn: c, raw: c, id: srv.nextID(), ip: clientIP(c), start: srv.now()}
	s.br = bufio.NewReaderSize(nil, 4096)
	s.bw = bufio.NewWriterSize(c, 4096)
	s.newReader()
	stop := context.AfterFunc(ctx, s.shutdown)
	defer stop()
	defer s.close()
	defer s.recoverPanic()
	srv.log.SMTPConnected(s.logConn(), c.LocalAddr().String())
	if srv.opt.TLS.Implicit && !s.handshake() {
		return // RFC 8314 §3.3: TLS before the greeting
	}
	release, err := srv.guard.Connect(ctx, s.client())
	if release != nil {
		defer release()
	}
	if err != nil {
		r := replyFor(err)
		srv.log.SMTPRefused(s.logConn(), r.Error())
		s.closeWhy = "refused"
		if r.Code == 554 {
			s.refused(r)
			return
		}
		s.send(r.closing())
		return
	}
	releaseSlot, ok := s.takeSlot()
	if !ok {
		return
	}
	defer releaseSlot()
	admitted()
	if s.chaosConnect(ctx) {
		return
	}
	s.send(s.greeting())
	s.loop()
}

// Bounds of a refused session: a refused client may hold its connection
// only briefly.
const (
	refusedWait     = 10 * time.Second
	refusedCommands = 5
)

// refused sends r, a 554 in place of the greeting, and then, as RFC 5321
// §3.1 asks, waits for QUIT, answering 503 to anything else, for at most
// refusedCommands commands and refusedWait.
func (s *session) refused(r Reply) {
	r.Close = false
	if !s.srv.mayLinger() {
		s.send(r.closing()) // too many refused clients waiting already
		return
	}
	defer s.srv.lingering.Add(-1)
	s.send(r)
	s.dataEnd = s.srv.now().Add(refusedWait) // caps every read (readLimit)
	text := "No service"
	if len(r.Lines) > 0 {
		text += ": " + r.Lines[0]
	}
	for range refusedCommands {
		s.sd.SetIdle(true)
		line, err := s.lr.ReadLine(maxCommand)
		s.sd.SetIdle(false)
		if err != nil && !errors.Is(err, wire.ErrLineTooLong) {
			return
		}
		if strings.EqualFold(strings.TrimSpace(string(line)), "QUIT") {
			s.send(reply(221, "2.0.0", s.srv.host+" closing connection").closing())
			return
		}
		s.send(reply(503, "5.5.1", text))
	}
}

// loop reads, parses and answers commands until the session ends.
func (s *session) loop() {
	for {
		if s.sd.Stopping() && s.outsideTransaction() {
			s.closeWhy = "shutdown"
			s.send(reply(421, "4.3.2", s.srv.host+" Service shutting down, try again later").closing())
			return
		}
		s.sd.SetIdle(s.outsideTransaction())
		line, err := s.lr.ReadLine(maxAuthLine)
		s.sd.SetIdle(false)
		if err == nil {
			s.firstEnd = time.Time{} // a command came: Timeout from now on
		}
		if err != nil {
			if errors.Is(err, wire.ErrLineTooLong) {
				if s.answer("", replyLineTooLong) {
					return
				}
				continue
			}
			s.readFailed(err)
			s.flush() // replies still buffered for pipelined commands: a half-closed client reads them
			return
		}
		if !s.srv.opt.Server.NoBackSpace {
			line = wire.Backspace(line)
		}
		// The command is copied before dispatch: a multi-step verb (AUTH)
		// reads more lines into the same buffer, and those (credentials)
		// must never reach the log in its place.
		cmd := string(line)
		if s.answer(cmd, s.dispatch(line)) {
			return
		}
	}
}

// answer sends r, the reply to line, after the failure accounting, and
// reports whether the session is over.
func (s *session) answer(line string, r Reply) bool {
	if r.Failed() {
		// A failed AUTH has its own count (the Guard's AuthFailed, for
		// AutoBan); counted here too, the failed-command limit would end a
		// password guesser's session before AutoBan could ever be reached.
		if r.Code != replyAuthInvalid.Code {
			s.failed++
			if err := s.srv.guard.FailedCommand(s.client(), s.failed); err != nil {
				r = replyFor(err)
			}
		}
		s.srv.log.SMTPRejected(s.logConn(), logLine(line), r.Error())
	}
	s.send(r)
	if r.Close && s.closeWhy == "" {
		s.closeWhy = "closed by server"
		if r.Code == 221 {
			s.closeWhy = "quit"
		}
	}
	return r.Close
}

// readFailed ends the session after a failed read: a timeout gets 421.
func (s *session) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, wire.ErrLineOverrun):
		s.closeWhy = "line too long"
		s.srv.log.SMTPRejected(s.logConn(), "(a line of more than 64 KB)", replyLineOverrun.Error())
		s.send(replyLineOverrun)
	case errors.As(err, &ne) && ne.Timeout():
		if s.sd.Stopping() {
			s.closeWhy = "shutdown"
			s.send(reply(421, "4.3.2", s.srv.host+" Service shutting down, try again later").closing())
			return
		}
		s.closeWhy = "timeout"
		s.send(replyTimeout) // RFC 5321 §4.5.3.2.7
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		s.closeWhy = "closed by client"
	default:
		s.closeWhy = "read error: " + err.Error()
	}
}

// outsideTransaction reports whether the session is between transactions,
// where a shutdown may end it at once.
func (s *session) outsideTransaction() bool {
	return s.state == stateConnected || s.state == stateGreeted
}

// send writes r and flushes when no pipelined command is waiting (RFC 2920
// §3.2), or when the reply closes the session.
func (s *session) send(r Reply) {
	r.writeTo(s.bw)
	if r.Close || s.lr.Buffered() == 0 {
		s.flush()
	}
}

// flush sends what is buffered, within Timeout.
func (s *session) flush() {
	s.conn.SetWriteDeadline(s.srv.now().Add(s.srv.opt.Server.Timeout))
	s.bw.Flush()
}

// reset clears the message in progress (RFC 5321 §4.1.1.5). RSET, HELO,
// EHLO and the end of DATA, whatever its outcome, call it.
func (s *session) reset() {
	s.from, s.body, s.declared, s.dsn = "", queue.Body7Bit, 0, dsnMail{}
	s.smtputf8 = false
	s.rcpts = s.rcpts[:0]
	if s.state > stateGreeted {
		s.state = stateGreeted
	}
}

// shutdown is called once when the server's context is cancelled: a
// session waiting for a command outside a transaction is woken to say 421
// at once; one inside a transaction has until Timeout.
func (s *session) shutdown() {
	s.sd.Begin(s.srv.now().Add(s.srv.opt.Server.Timeout), s.raw)
}

// recoverPanic turns a panic in the session into a logged stack and a 421,
// so one bad input cannot take the server down (STYLE section 3).
func (s *session) recoverPanic() {
	if s.srv.noRecover {
		return
	}
	if p := recover(); p != nil {
		s.srv.log.SMTPFailed(s.logConn(), "internal error", nil, string(debug.Stack()))
		s.srv.log.Errorf("SMTP", "session %s: panic: %v (stack in the SMTP log)", s.id, p)
		s.closeWhy = "internal error"
		s.bw.Reset(s.conn) // drop a half-written reply
		s.send(replyInternal)
	}
}

// close ends the connection: the write side first, then a short drain so
// that a client still sending does not get a reset that destroys our last
// reply, then the socket.
func (s *session) close() {
	if s.closeWhy == "" {
		s.closeWhy = "closed"
	}
	if tc, ok := s.conn.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
		s.conn.SetReadDeadline(s.srv.now().Add(500 * time.Millisecond))
		io.CopyN(io.Discard, s.conn, 64<<10)
	}
	s.conn.Close()
	s.srv.log.SMTPClosed(s.logConn(), s.messages, s.srv.now().Sub(s.start), s.closeWhy)
}

func (s *session) client() Client {
	return Client{Session: s.id, IP: s.ip, Helo: s.helo, User: s.user}
}

func (s *session) logConn() logs.SMTPConn {
	ip := ""
	if s.ip.IsValid() {
		ip = s.ip.String()
	}
	return logs.SMTPConn{ID: s.id, Client: ip, ESMTP: s.esmtp, TLS: s.tlsText()}
}

// clientIP returns the peer's IP address, or the zero Addr when the
// connection is not TCP (a pipe in tests).
func clientIP(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// logLine is a command line as it may appear in the log: AUTH arguments
// (credentials) are cut off.
func logLine(line string) string {
	if c, err := parseCommand([]byte(line)); err == nil && c.verb == "AUTH" {
		mech, _ := cutWord(c.arg)
		return "AUTH " + mech
	}
	return line
}
