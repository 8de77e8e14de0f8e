package pop3

import (
	"bufio"
	"time"

	"mailq/wire"
)

// Session deadlines (issue 22). Each command line, and each line of an
// AUTH exchange, must be complete within Timeout of its first byte, and the
// wait for it is Timeout too (wire.ClockReader), so a client that drips
// bytes cannot hold a session. Until its first command line a session has
// FirstCommandTimeout in all. A line that goes on past maxDropLine octets
// is not read to its end: the session is closed.
//
// Command lines are at most maxCommand octets (RFC 2449 §4: 255 with the
// CRLF); a longer one gets -ERR and the session goes on. The lines of an
// AUTH exchange may be longer (maxLine): RFC 5034 §4 puts no such limit on
// a SASL response, and PLAIN with a long password needs it.
const (
	maxCommand  = 255 - 2
	maxDropLine = 64 << 10
)

// replyLineOverrun closes a session whose line went past maxDropLine.
var replyLineOverrun = Reply{Text: "line too long; closing connection", Close: true}

// newLineReader sets up the timed reading of c.nc. After swapping the
// connection (STLS), calling it again reads from the new one; the first
// command's limit is set only the first time.
func (c *conn) newLineReader() {
	first := c.clock == nil
	c.clock = wire.NewClockReader(c.nc, c.srv.opt.Server.Timeout, nil)
	c.clock.SetLimit(c.readLimit)
	c.lr = wire.NewLineReader(bufio.NewReaderSize(c.clock, readBuffer))
	c.lr.Clock(c.clock)
	c.lr.SetDropLimit(maxDropLine)
	if d := c.srv.opt.Server.FirstCommandTimeout; d > 0 && first {
		c.firstEnd = time.Now().Add(d)
	}
}

// readLimit is the deadline no read may pass beyond the line's own: the
// first command's, or, once shut-down began, a past one (wire.Shutdown; a
// command that has already come is still answered from the buffer).
func (c *conn) readLimit() time.Time {
	if l := c.sd.Limit(); !l.IsZero() {
		return l
	}
	if c.noTimeout {
		return time.Time{}
	}
	return c.firstEnd
}
