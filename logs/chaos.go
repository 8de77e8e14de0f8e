package logs

import "fmt"

// Events of the [Chaos] rules: every fault injected on purpose gets a line,
// with the rule and the seed, so that a failing test can be replayed.

// SMTPChaos records a chaos decision in session c (the SMTP server or the
// sink).
func (l *Logger) SMTPChaos(c SMTPConn, text string) {
	l.smtp(c, Normal, magenta, "CHAOS", text, "event", "chaos", "detail", text)
}

// MXAChaos records a chaos decision about a delivery attempt of set id.
func (l *Logger) MXAChaos(id, format string, args ...any) {
	l.emit(event{File: fileMXA, Level: Normal, Color: magenta, Module: "MXA", ID: id, Status: "CHAOS",
		Text: fmt.Sprintf(format, args...)})
}
