package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime/debug"
	"time"

	"mailq/wire"
)

// state is where a session is in RFC 1939's state machine.
type state int

const (
	stateAuthorization state = iota // RFC 1939 §4: before a successful login
	stateTransaction                // RFC 1939 §5: logged in, mailbox locked
	stateUpdate                     // RFC 1939 §6: after QUIT, deleting
)

func (s state) String() string {
	switch s {
	case stateAuthorization:
		return "AUTHORIZATION"
	case stateTransaction:
		return "TRANSACTION"
	case stateUpdate:
		return "UPDATE"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// Buffer sizes. The writer is large so that RETR moves big blocks; the
// reader only ever holds command lines.
const (
	readBuffer  = 4 << 10
	writeBuffer = 64 << 10
	copyBuffer  = 64 << 10
)

// conn is one session.
type conn struct {
	srv *Server
	ctx context.Context
	nc  net.Conn
	id  string // session number, for the log
	ip  netip.Addr

	lr *wire.LineReader
	cw *connWriter
	bw *bufio.Writer

	state     state
	greeting  string // the greeting's text, for BANR
	timestamp string // the APOP timestamp of this session (RFC 1939 §7)
	user      string // the name given with USER, waiting for PASS
	md        *maildrop
	account   string // the account logged in; "" before
	tried     string // the last login name tried, for the log
	noTimeout bool   // NOTO (debug)
	linger    bool   // close gracefully: the HTTP answer
	utf8      bool   // UTF-8 mode (RFC 6856 §2; utf8.go)
	reason    string // why the session ended, for the log

	errors    int // failed commands, told to the Guard
	logins    int // failed logins
	times     int // TIME commands
	retrieved int // messages sent by RETR
	deleted   int // messages removed by UPDATE
	copyBuf   []byte

	// Time per line and shut-down (deadline.go).
	clock    *wire.ClockReader
	firstEnd time.Time // the limit for the first command; zero after it
	sd       wire.Shutdown

	// TLS (stls.go): after STLS nc is the TLS connection and raw the TCP
	// one, whose deadline a shutdown sets; tls is nil before TLS.
	raw net.Conn
	tls *tls.ConnectionState
}

func newConn(s *Server, ctx context.Context, nc net.Conn, id string, ip netip.Addr) *conn {
	c := &conn{srv: s, ctx: ctx, nc: nc, raw: nc, id: id, ip: ip}
	c.cw = &connWriter{nc: nc, timeout: s.opt.Server.Timeout, sd: &c.sd}
	c.bw = bufio.NewWriterSize(c.cw, writeBuffer)
	// Every read of a POP3 session waits for the client, with nothing of
	// its own to finish: a shut-down wakes it wherever it waits.
	c.sd.SetIdle(true)
	c.newLineReader()
	return c
}

// connWriter sets a write deadline of Timeout before each write, so a
// client that stops reading cannot hold a session, however long a message it
// is fetching; after shut-down starts, no write may end later than its hard
// limit.
type connWriter struct {
	nc      net.Conn
	timeout time.Duration
	sd      *wire.Shutdown
}

func (w *connWriter) Write(p []byte) (int, error) {
	d := time.Now().Add(w.timeout)
	if h := w.sd.Hard(); !h.IsZero() && h.Before(d) {
		d = h
	}
	w.nc.SetWriteDeadline(d)
	return w.nc.Write(p)
}

// serve runs the session: greeting, then one command at a time until the
// client quits, leaves, idles too long or the server shuts down.
func (c *conn) serve() {
	log := c.srv.opt.Log
	log.POP3Connected(c.id, c.ip.String())
	defer func() {
		if c.md != nil {
			// The session ended without QUIT: nothing is deleted
			// (RFC 1939 §6), only the mailbox lock is released.
			c.releaseMaildrop()
		}
		log.POP3Closed(c.id, c.who(), c.ip.String(), c.retrieved, c.deleted, c.reason)
		c.closeTLS() // stls.go
	}()
	defer c.recoverPanic()
	stop := context.AfterFunc(c.ctx, func() {
		// Wake a session waiting for a command; one in the middle of a
		// transfer gets until Timeout to finish it.
		c.sd.Begin(time.Now().Add(c.srv.opt.Server.Timeout), c.raw)
	})
	defer stop()
	if c.srv.opt.TLS.Implicit && !c.handshake() {
		return // RFC 8314 §3.3: TLS before the greeting
	}

	r := c.greet()
	for c.send(r) && !r.Close {
		r = c.next()
	}
	if c.reason == "" {
		c.reason = "closed by the server: " + r.status()
	}
	if c.linger {
		c.drain()
	}
}

// drain closes our side and reads what the client still sends, for a
// moment, so that closing does not reset the connection before the client
// has read the answer (a browser sends its request headers after the line
// that was answered).
func (c *conn) drain() {
	if tc, isTCP := c.nc.(*net.TCPConn); isTCP {
		tc.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(c.nc, 64<<10))
}

// next reads and executes one command and returns its reply.
func (c *conn) next() Reply {
	line, err := c.readLine()
	if err != nil {
		return c.readFailure(err)
	}
	c.firstEnd = time.Time{} // a command came: Timeout from now on
	if len(line) > maxCommand {
		return c.failed(replyLineTooLong) // RFC 2449 §4
	}
	return c.execute(line)
}

// readFailure returns the reply to a failed read: an answer to a line that
// was too long, or the last words of a session that ends, whose reason it
// records for the log.
func (c *conn) readFailure(err error) Reply {
	switch {
	case errors.Is(err, wire.ErrLineTooLong):
		return c.failed(replyLineTooLong)
	case errors.Is(err, wire.ErrLineOverrun):
		c.reason = "line too long"
		return replyLineOverrun
	case c.ctx.Err() != nil:
		c.reason = "server shutting down"
		return replyShutdown
	case isTimeout(err):
		c.reason = "idle time-out"
		return replyTimeout
	case errors.Is(err, io.EOF):
		c.reason = "client closed the connection"
	default:
		c.reason = "connection error: " + err.Error()
	}
	return Reply{written: true, Close: true}
}

// readLine reads one line, with Timeout for the line from its first byte
// (deadline.go). After a shut-down began, commands already received are
// still answered; nothing more is waited for (readLimit).
func (c *conn) readLine() ([]byte, error) {
	if c.noTimeout {
		c.clock.SetTimeout(0)
	}
	if c.ctx.Err() != nil && c.lr.Buffered() == 0 {
		return nil, c.ctx.Err()
	}
	return c.lr.ReadLine(maxLine)
}

// execute parses line, checks the verb against the state and runs its
// handler (STYLE section 2: the loop answers unknown and misplaced verbs).
func (c *conn) execute(line []byte) Reply {
	if !c.srv.opt.Server.NoBackSpace {
		line = wire.Backspace(line) // a telnet user's corrections
	}
	cmd, err := parseCommand(line)
	if err != nil {
		return c.failed(replySyntax)
	}
	v, found := verbs[cmd.verb]
	if !found || (v.enabled != nil && !v.enabled(&c.srv.opt)) {
		return c.failed(replyUnknown)
	}
	if !v.states.Has(c.state) {
		if c.state == stateAuthorization {
			return c.failed(replyNotLoggedIn)
		}
		return c.failed(replyBadState)
	}
	r := v.fn(c, cmd.arg)
	if !r.OK && !r.written && r.Code != CodeInUse && r.Code != CodeSysTemp && r.Code != CodeSysPerm {
		return c.failed(r)
	}
	return r
}

// failed counts a failed command and tells the Guard, whose refusal ends
// the session: the limit (Abuse.MaxFailedCommands, with its exemptions and
// log line) is the Guard's alone, as in smtp. A failed login is not counted:
// it has its own counts (the Guard's login limits, and its LoginFailed for
// AutoBan), which this limit would otherwise pre-empt.
func (c *conn) failed(r Reply) Reply {
	if r.Code == CodeAuth {
		return r
	}
	c.errors++
	if err := c.srv.opt.Guard.FailedCommand(c.ip, c.errors); err != nil {
		return guardReply(err)
	}
	return r
}

// send writes r (unless the handler already did) and flushes when no
// pipelined command is waiting, so the replies to a batch leave together
// (RFC 2449 §6.6) and an interactive client never waits. It reports whether
// the connection is still usable.
func (c *conn) send(r Reply) bool {
	var err error
	if !r.written {
		err = r.writeTo(c.bw)
	}
	if err == nil && (r.Close || c.lr.Buffered() == 0) {
		err = c.bw.Flush()
	}
	if err != nil && c.reason == "" {
		c.reason = "connection error: " + err.Error()
	}
	return err == nil
}

// recoverPanic turns a panic in this session into a log entry with the
// stack and a -ERR [SYS/TEMP] for the client; other sessions go on.
func (c *conn) recoverPanic() {
	if c.srv.noRecover {
		return
	}
	if v := recover(); v != nil {
		c.srv.opt.Log.POP3Panic(c.id, fmt.Sprint(v), debug.Stack())
		c.reason = "internal error"
		c.send(replyTempFail.closing())
	}
}

// who names the session's user for the log: the logged-in account, else the
// name last tried, else "-".
func (c *conn) who() string {
	switch {
	case c.account != "":
		return c.account
	case c.tried != "":
		return c.tried
	}
	return "-"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
