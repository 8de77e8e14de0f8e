package smtp

import (
	"time"

	"mailq/wire"
)

// Session deadlines. Every command line, and each line of an AUTH exchange,
// must be complete within Timeout of its first byte, and the wait for it is
// Timeout too (wire.ClockReader): a client dripping one byte a second holds
// a session for at most Timeout, not for ever. On top of that:
//   - until its first command line, a session has FirstCommandTimeout in
//     all (firstEnd), so a silent connection frees its slot soon;
//   - a DATA transfer has Timeout for each read, and in all 2×Timeout plus
//     the time its bytes take at minDataRate (dataDeadline);
//   - a refused session waits for QUIT at most refusedWait;
//   - after shutdown began, nothing may pass the hard limit.
//
// A line longer than its verb allows gets 500 5.5.2 (RFC 5321 §4.5.3.1.4)
// and the session goes on; one that goes on past maxDropLine octets is not
// read to its end: the session is closed with 421.
const (
	// minDataRate is the slowest average rate a DATA transfer may keep
	// after its 2×Timeout of grace: 8 KB/s (64 kbit/s), far below any
	// link a mail client uses today, far above a drip that holds a slot.
	minDataRate = 8 << 10
	// maxDropLine is the longest line skipped to its end: 64 KB.
	maxDropLine = 64 << 10
)

// replyLineOverrun closes a session whose line went past maxDropLine: the
// rest of it cannot be told from the next command.
var replyLineOverrun = reply(421, "4.5.2", "Line too long, closing connection").closing()

// newReader sets up the session's timed reading on s.conn: the ClockReader
// under the buffered reader, and the line reader on top. After swapping the
// connection (STARTTLS), calling it again reads from the new one; the first
// command's limit is set only the first time.
func (s *session) newReader() {
	first := s.clock == nil
	s.clock = wire.NewClockReader(s.conn, s.srv.opt.Server.Timeout, s.srv.now)
	s.clock.SetLimit(s.readLimit)
	s.br.Reset(s.clock)
	s.lr = wire.NewLineReader(s.br)
	s.lr.Clock(s.clock)
	s.lr.SetDropLimit(maxDropLine)
	if d := s.srv.opt.Server.FirstCommandTimeout; d > 0 && first {
		s.firstEnd = s.start.Add(d)
	}
}

// readLimit is the deadline no read may pass, beyond the line's own
// (wire.ClockReader); zero for none. After shutdown began, a session
// waiting for a command outside a transaction is woken at once
// (wire.Shutdown).
func (s *session) readLimit() time.Time {
	var dl time.Time
	lower := func(t time.Time) {
		if !t.IsZero() && (dl.IsZero() || t.Before(dl)) {
			dl = t
		}
	}
	lower(s.firstEnd)
	lower(s.dataEnd)
	if !s.dataStart.IsZero() {
		lower(s.dataDeadline())
	}
	lower(s.sd.Limit()) // past for an idle session once shutdown began
	return dl
}

// startData starts the DATA transfer's clock; the bytes already buffered
// count as received.
func (s *session) startData() {
	s.dataStart = s.srv.now()
	s.dataBase = s.clock.Count() - int64(s.br.Buffered())
}

func (s *session) endData() { s.dataStart = time.Time{} }

// dataDeadline is the DATA transfer's limit (DURABILITY rule 12): 2×Timeout
// from its start, plus the time the bytes received so far take at
// minDataRate, counting at most SMTPMaxMessageSize (1 GB when unlimited).
// A transfer that keeps at least the minimum rate always has time left; one
// that drips falls behind and is cut off; and no transfer lasts longer than
// 2×Timeout + SMTPMaxMessageSize / minDataRate in all.
func (s *session) dataDeadline() time.Time {
	got := s.clock.Count() - s.dataBase
	limit := s.srv.opt.SMTP.MaxMessageSize
	if limit <= 0 {
		limit = 1 << 30
	}
	got = min(max(got, 0), limit)
	return s.dataStart.Add(2*s.srv.opt.Server.Timeout + time.Duration(got)*time.Second/minDataRate)
}
