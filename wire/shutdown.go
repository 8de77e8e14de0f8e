package wire

import (
	"sync/atomic"
	"time"
)

// Shutdown is a session's side of its server's shut-down, one convention for
// smtp and pop3. When the server's context is cancelled, Begin (run by
// context.AfterFunc) gives the session a hard limit, and wakes at once a
// session that is idle: one waiting for a command that it may leave without
// losing anything. The session's ClockReader asks Limit before every read
// (ClockReader.SetLimit), so an idle session's next read fails at once
// however the two goroutines interleave, and any other read ends by the
// hard limit; the session then says goodbye in its protocol's words.
//
// What idle means is the protocol's: an SMTP session is idle between mail
// transactions (a transaction in progress may finish within the hard
// limit), a POP3 session always (it has nothing to finish between reads;
// its writes, a RETR under way, are bounded by Hard).
//
// Begin and the readers may run in different goroutines; the zero value is
// ready to use.
type Shutdown struct {
	stopping atomic.Bool
	idle     atomic.Bool
	hard     atomic.Int64 // unix nanoseconds no read or write may pass; 0: none
}

// Deadliner is the connection Begin wakes: the TCP connection under any
// TLS, whose deadline can be set while another goroutine reads.
type Deadliner interface {
	SetReadDeadline(t time.Time) error
}

// past is a deadline that has always passed (not the zero Time, which is
// none).
var past = time.Unix(0, 1)

// Begin starts the shut-down: no read or write may pass hard from now on,
// and an idle session's read on raw is woken at once.
func (sd *Shutdown) Begin(hard time.Time, raw Deadliner) {
	sd.hard.Store(hard.UnixNano())
	sd.stopping.Store(true)
	if sd.idle.Load() {
		raw.SetReadDeadline(past)
	}
}

// Stopping reports whether Begin was called.
func (sd *Shutdown) Stopping() bool { return sd.stopping.Load() }

// SetIdle marks whether the session is idle (see Shutdown); it is set
// before a read and cleared after it.
func (sd *Shutdown) SetIdle(idle bool) { sd.idle.Store(idle) }

// Hard returns the hard limit; zero before Begin.
func (sd *Shutdown) Hard() time.Time {
	if h := sd.hard.Load(); h != 0 {
		return time.Unix(0, h)
	}
	return time.Time{}
}

// Limit is the deadline the shut-down puts on a read: a past one for an
// idle session once stopping, else the hard limit (zero before Begin).
func (sd *Shutdown) Limit() time.Time {
	if sd.stopping.Load() && sd.idle.Load() {
		return past
	}
	return sd.Hard()
}
