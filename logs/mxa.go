package logs

import (
	"fmt"
	"strings"
)

// Events of the Mail Exchange Agent. They go to mxa-YYYYMMDD.log and to the
// console in magenta (errors in red, warnings in yellow), under the module
// "MXA" and the id of the message set concerned (columns in columns.go).

// MXAResult is what one delivery attempt did for one recipient.
type MXAResult string

// The results of an attempt.
const (
	MXASent     MXAResult = "SENT"     // the next server accepted it (2yz)
	MXADeferred MXAResult = "DEFERRED" // a temporary failure: tried again later
	MXAFailed   MXAResult = "FAILED"   // a permanent failure or expiry
)

// MXAAttempt records the agent connecting to host (name[ip]:port) to deliver
// some recipients of set id.
func (l *Logger) MXAAttempt(id, host string, rcpts []string) {
	joined := strings.Join(rcpts, " ")
	l.emit(event{File: fileMXA, Level: Info, Color: magenta, Module: "MXA", ID: id, Status: "ATTEMPT",
		Text:   fmt.Sprintf("connecting to %s for %s", host, joined),
		Fields: cols(fileMXA, "host", host, "recipients", joined)})
}

// MXADelivery records the result of an attempt for one recipient: the host
// that answered ("" when none did) and its reply, or the local reason.
func (l *Logger) MXADelivery(id, host, rcpt string, res MXAResult, reply string) {
	var text string
	switch {
	case host != "" && res == MXASent:
		text = fmt.Sprintf("%s: sent to %s: %s", rcpt, host, reply)
	case res == MXASent:
		text = fmt.Sprintf("%s: sent: %s", rcpt, reply)
	default:
		text = fmt.Sprintf("%s: %s: %s", rcpt, strings.ToLower(string(res)), reply)
	}
	l.emit(event{File: fileMXA, Level: Normal, Color: magenta, Module: "MXA", ID: id, Status: string(res),
		Text: text, Fields: cols(fileMXA, "host", host, "recipients", rcpt, "reply", reply)})
}

// MXABounce records a delivery status notification for rcpts failed
// recipients of set id, written as set bounce to the sender to.
func (l *Logger) MXABounce(id, bounce, to string, rcpts int) {
	l.emit(event{File: fileMXA, Level: Normal, Color: magenta, Module: "MXA", ID: id, Status: "BOUNCE",
		Text:   fmt.Sprintf("failure notice %s to <%s> for %d recipient(s)", bounce, to, rcpts),
		Fields: cols(fileMXA, "recipients", to, "detail", fmt.Sprintf("failure notice %s for %d recipient(s)", bounce, rcpts))})
}

// MXAFiled records where a set went once the agent was done with it for now:
// "sent", "failed", "retry" or "removed".
func (l *Logger) MXAFiled(id, where string) {
	l.emit(event{File: fileMXA, Level: Info, Color: magenta, Module: "MXA", ID: id, Status: "INFO",
		Text: "filed in " + where, Fields: cols(fileMXA, "detail", where)})
}

// MXAInfof records agent activity worth a line at the Info level.
func (l *Logger) MXAInfof(id, format string, args ...any) {
	l.emit(event{File: fileMXA, Level: Info, Color: magenta, Module: "MXA", ID: id, Status: "INFO",
		Text: fmt.Sprintf(format, args...)})
}

// MXAWarnf records something the administrator should look at.
func (l *Logger) MXAWarnf(id, format string, args ...any) {
	l.emit(event{File: fileMXA, Level: Normal, Color: yellow, Module: "MXA", ID: id, Status: "WARN",
		Text: fmt.Sprintf(format, args...)})
}

// MXAErrorf records a failure of the agent itself (a file it could not
// write, a crashed worker), as opposed to a delivery that failed.
func (l *Logger) MXAErrorf(id, format string, args ...any) {
	l.emit(event{File: fileMXA, Level: Normal, Color: red, Module: "MXA", ID: id, Status: "FAIL",
		Text: fmt.Sprintf(format, args...)})
}
