package wire

import (
	"time"
)

// Conn is the part of a network connection a ClockReader reads from.
type Conn interface {
	Read(p []byte) (int, error)
	SetReadDeadline(t time.Time) error
}

// ClockReader is the reader under a session's bufio.Reader. Before every
// read it sets the connection's read deadline, so that time is counted per
// command line rather than per read: a client that sends one byte a second
// must still finish its line within Timeout of the line's first byte, and a
// client that never ends its line is cut off at that deadline however fast
// it sends.
//
// The deadline of a read is:
//   - while a LineReader (see LineReader.Clock) waits for the first byte of
//     a line: Timeout from the start of the wait (the idle time-out);
//   - once the line has begun: Timeout from its first byte, however many
//     reads the line takes;
//   - outside a line (a DATA transfer): Timeout from the read, so only
//     silence is limited here; the caller's Limit bounds the whole.
//
// Limit, if set, is a further deadline no read may pass (zero: none): the
// first command's, the DATA transfer's, the shut-down's. It is asked again
// right after the deadline is set, so that another goroutine may lower it
// (and then set a past read deadline itself) without the two racing: one of
// the two settings always sees the lower limit.
//
// A ClockReader is used by one goroutine; only Limit may read state that
// others change.
type ClockReader struct {
	conn    Conn
	timeout time.Duration
	now     func() time.Time
	limit   func() time.Time

	waiting bool      // a line is wanted and none of it has come
	inLine  bool      // a line is being read
	due     time.Time // the current line's deadline (waiting or begun)
	read    int64     // bytes read so far, for rate limits (Count)
}

// NewClockReader returns a ClockReader on c with the given per-line time
// limit; now is the clock (nil: time.Now).
func NewClockReader(c Conn, timeout time.Duration, now func() time.Time) *ClockReader {
	if now == nil {
		now = time.Now
	}
	return &ClockReader{conn: c, timeout: timeout, now: now}
}

// SetLimit sets the function asked for a further deadline before each read.
func (r *ClockReader) SetLimit(limit func() time.Time) { r.limit = limit }

// Count returns the number of bytes read from the connection so far.
func (r *ClockReader) Count() int64 { return r.read }

// SetTimeout changes the time limit of lines and reads; 0 is none (the
// POP3 debug command NOTO). It applies from the next line.
func (r *ClockReader) SetTimeout(d time.Duration) { r.timeout = d }

// Deadline returns the read deadline the next read gets; zero is none.
func (r *ClockReader) Deadline() time.Time {
	var dl time.Time
	switch {
	case r.timeout <= 0:
	case r.inLine:
		dl = r.due
	default:
		dl = r.now().Add(r.timeout)
	}
	if r.limit != nil {
		if l := r.limit(); !l.IsZero() && (dl.IsZero() || l.Before(dl)) {
			dl = l
		}
	}
	return dl
}

func (r *ClockReader) Read(p []byte) (int, error) {
	dl := r.Deadline()
	r.conn.SetReadDeadline(dl)
	if r.limit != nil {
		if l := r.limit(); !l.IsZero() && (dl.IsZero() || l.Before(dl)) {
			r.conn.SetReadDeadline(l) // lowered while we set ours
		}
	}
	n, err := r.conn.Read(p)
	r.read += int64(n)
	if n > 0 && r.waiting {
		r.waiting = false
		r.due = r.now().Add(r.timeout) // the line's first byte
	}
	return n, err
}

// beginLine starts the clock of a new line. When part of it is already
// buffered, its first byte has come: the line's time starts now.
func (r *ClockReader) beginLine(buffered bool) {
	r.inLine, r.waiting = true, !buffered
	r.due = r.now().Add(r.timeout)
}

// endLine stops the line clock: reads outside lines get the idle deadline.
func (r *ClockReader) endLine() {
	r.inLine, r.waiting = false, false
}
