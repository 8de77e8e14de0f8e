package logs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Events of the SMTP server. Each goes to the console (when its level is
// shown) and as a row to smtp-YYYYMMDD.log; received messages also get a row
// in received-YYYYMMDD.log. The columns of both are in columns.go.

// SMTPConn identifies an SMTP session in its events.
type SMTPConn struct {
	ID     string // the session id
	Client string // the client's IP address
	ESMTP  bool   // the client greeted with EHLO: the module shows as ESMTP
	TLS    string // version and cipher under TLS ("" in plain text): the module gets an S
}

func (c SMTPConn) module() string {
	m := "SMTP"
	if c.ESMTP {
		m = "ESMTP"
	}
	if c.TLS != "" {
		m += "S"
	}
	return m
}

// SMTPMessage is a message the SMTP server accepted, for SMTPReceived.
type SMTPMessage struct {
	QueueID  string
	Tracking string
	Helo     string
	User     string // the authenticated user; "" if none
	From     string // the envelope sender; "" is the null sender
	Rcpts    []string
	Size     int64 // bytes stored, added headers included
	Test     bool  // /TEST: nothing was written
}

// smtp logs an event of session c; kv are name, value pairs of its columns
// (cols).
func (l *Logger) smtp(c SMTPConn, lv Level, col tint, status, text string, kv ...string) {
	l.emit(event{File: FileSMTP, Level: lv, Color: col, Module: c.module(), ID: c.ID,
		Status: status, Text: text, Fields: cols(FileSMTP, append([]string{"client", c.Client}, kv...)...)})
}

// SMTPConnected records a new session from the client, on local (the
// server's address).
func (l *Logger) SMTPConnected(c SMTPConn, local string) {
	l.smtp(c, Info, grey, "INFO", fmt.Sprintf("[%s] connected on %s", c.Client, local), "event", "connect", "detail", "on "+local)
}

// SMTPClosed records the end of a session: how many messages it committed,
// how long it lasted and why it ended ("quit", "timeout", "closed by
// client", "shutdown"...).
func (l *Logger) SMTPClosed(c SMTPConn, messages int, d time.Duration, why string) {
	l.smtp(c, Info, grey, "INFO", fmt.Sprintf("[%s] disconnected (%s) after %s, %d message(s)", c.Client, why, d.Round(time.Millisecond), messages),
		"event", "close", "detail", fmt.Sprintf("%s; %d message(s); %s", why, messages, d.Round(time.Millisecond)))
}

// SMTPRefused records a connection refused before its session began: over
// the connection limit, or by the abuse controls. reply is what it was sent.
func (l *Logger) SMTPRefused(c SMTPConn, reply string) {
	l.smtp(c, Normal, yellow, "WARN", fmt.Sprintf("[%s] refused: %s", c.Client, reply), "event", "refused", "reply", reply)
}

// SMTPRejected records a command answered with a 4xx or 5xx reply. command
// is the command line (AUTH arguments are never passed here).
func (l *Logger) SMTPRejected(c SMTPConn, command, reply string) {
	l.smtp(c, Info, yellow, "FAIL", fmt.Sprintf("%s -> %s", clip(command, 120), reply), "event", "rejected", "reply", reply, "detail", command)
}

// SMTPAuthenticated records a successful AUTH.
func (l *Logger) SMTPAuthenticated(c SMTPConn, mech, user string) {
	l.smtp(c, Info, green, "OK", fmt.Sprintf("[%s] authenticated as %s (%s)", c.Client, user, mech), "event", "auth", "user", user, "detail", mech)
}

// SMTPAuthFailed records a failed AUTH with its real reason (unknown user,
// wrong password, locked account...), which the client is never told.
func (l *Logger) SMTPAuthFailed(c SMTPConn, mech, user, reason string) {
	l.smtp(c, Normal, red, "FAIL", fmt.Sprintf("[%s] AUTH %s failed for %q: %s", c.Client, mech, clip(user, 80), reason), "event", "auth-failed", "user", user, "detail", mech+": "+reason)
}

// SMTPReceived records an accepted message, in smtp- and received-.
func (l *Logger) SMTPReceived(c SMTPConn, m SMTPMessage) {
	from := "<" + m.From + ">"
	to := ""
	if len(m.Rcpts) > 0 {
		to = "<" + m.Rcpts[0] + ">"
		if len(m.Rcpts) > 1 {
			to += fmt.Sprintf(" and %d more", len(m.Rcpts)-1)
		}
	}
	what := "queued"
	if m.Test {
		what = "accepted in test mode, not written"
	}
	size := strconv.FormatInt(m.Size, 10)
	l.smtp(c, Normal, green, "OK", fmt.Sprintf("message %s from %s to %s, %s bytes, %s", m.QueueID, from, to, size, what),
		"event", "received", "user", m.User, "sender", m.From, "recipients", strings.Join(m.Rcpts, " "),
		"queue_id", m.QueueID, "size", size, "detail", "tracking "+m.Tracking)
	if m.Test {
		return
	}
	l.emit(event{File: FileReceived, Level: Normal, Module: c.module(), ID: c.ID, Status: "OK", NoConsole: true,
		Text: "received",
		Fields: cols(FileReceived, "queue_id", m.QueueID, "tracking", m.Tracking, "client", c.Client, "helo", m.Helo,
			"user", m.User, "sender", m.From, "recipients", strings.Join(m.Rcpts, " "), "size", size)})
}

// SMTPFailed records a failure on the server's side: a commit that failed,
// a panic (with its stack in detail), an unreadable queue.
func (l *Logger) SMTPFailed(c SMTPConn, what string, err error, detail string) {
	text := what
	if err != nil {
		text += ": " + err.Error()
	}
	l.smtp(c, Normal, red, "FAIL", text, "event", "error", "detail", detail)
}

// clip shortens s to at most n bytes for a console line, without cutting a
// UTF-8 sequence in two.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
