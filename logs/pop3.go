package logs

import (
	"fmt"
	"strconv"
	"strings"
)

// POP3 events. Each is a console line under the module "POP3" with the
// session number as its id, and a row of pop3-YYYYMMDD.log (columns in
// columns.go).

const modulePOP3 = "POP3"

// POP3Connected records a client connecting.
func (l *Logger) POP3Connected(id, client string) {
	if !l.enabled(Info) {
		return // frequent: skip the formatting when nobody reads it
	}
	l.emit(event{File: FilePOP3, Level: Info, Color: grey, Module: modulePOP3, ID: id, Status: "INFO",
		Text: "[" + client + "] connected", Fields: pop3Fields("client", client, "event", "connect")})
}

// POP3Refused records a client refused before its session started: too many
// sessions, or the abuse controls.
func (l *Logger) POP3Refused(id, client, why string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: yellow, Module: modulePOP3, ID: id, Status: "WARN",
		Text: "[" + client + "] refused: " + why, Fields: pop3Fields("client", client, "event", "refused", "detail", why)})
}

// POP3LoggedIn records a successful login, with the maildrop it found.
func (l *Logger) POP3LoggedIn(id, user, client, method string, messages int, octets int64) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: green, Module: modulePOP3, ID: id, Status: "OK",
		Text: fmt.Sprintf("%s logged in from [%s] (%s): %d message(s), %d octets", user, client, method, messages, octets),
		Fields: pop3Fields("client", client, "event", "login", "user", user, "method", method,
			"count", strconv.Itoa(messages), "octets", strconv.FormatInt(octets, 10))})
}

// POP3LoginFailed records a refused login: the name tried, how, why (for
// the administrator only; the client is told nothing of it) and the name's
// consecutive failures.
func (l *Logger) POP3LoginFailed(id, user, client, method, why string, failures int) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: red, Module: modulePOP3, ID: id, Status: "FAIL",
		Text: fmt.Sprintf("login failed for %s from [%s] (%s, failure %d): %s", quoteEmpty(user), client, method, failures, why),
		Fields: pop3Fields("client", client, "event", "login-failed", "user", user, "method", method,
			"count", strconv.Itoa(failures), "detail", why)})
}

// POP3InUse records a login refused because another session holds the
// mailbox.
func (l *Logger) POP3InUse(id, user, client string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: yellow, Module: modulePOP3, ID: id, Status: "WARN",
		Text: "mailbox " + user + " is in use by another session; refused [" + client + "]", Fields: pop3Fields("client", client, "event", "in-use", "user", user)})
}

// POP3StaleLock records a mailbox lock taken over from a process that is
// gone.
func (l *Logger) POP3StaleLock(id, user, why string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: yellow, Module: modulePOP3, ID: id, Status: "WARN",
		Text: "took over the stale lock of mailbox " + user + ": " + why, Fields: pop3Fields("event", "stale-lock", "user", user, "detail", why)})
}

// POP3Retrieved records a message sent by RETR.
func (l *Logger) POP3Retrieved(id, user, uid string, octets int64) {
	if !l.enabled(Info) {
		return // frequent: skip the formatting when nobody reads it
	}
	l.emit(event{File: FilePOP3, Level: Info, Color: green, Module: modulePOP3, ID: id, Status: "OK",
		Text:   fmt.Sprintf("%s retrieved %s (%d octets)", user, uid, octets),
		Fields: pop3Fields("event", "retrieved", "user", user, "uid", uid, "octets", strconv.FormatInt(octets, 10))})
}

// POP3Deleted records a message removed (or, archived, moved to the
// mailbox's deleted folder) in the UPDATE state.
func (l *Logger) POP3Deleted(id, user, uid string, archived bool) {
	if !l.enabled(Info) {
		return // frequent: skip the formatting when nobody reads it
	}
	what := "deleted"
	if archived {
		what = "moved to deleted/"
	}
	l.emit(event{File: FilePOP3, Level: Info, Color: green, Module: modulePOP3, ID: id, Status: "OK",
		Text: fmt.Sprintf("%s: %s %s", user, uid, what), Fields: pop3Fields("event", "deleted", "user", user, "uid", uid, "detail", what)})
}

// POP3TestKept records a QUIT in test mode (/TEST): the messages marked
// with DELE are kept.
func (l *Logger) POP3TestKept(id, user string, marked int) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: yellow, Module: modulePOP3, ID: id, Status: "TEST",
		Text:   fmt.Sprintf("%s: test mode, %d message(s) marked for deletion kept", user, marked),
		Fields: pop3Fields("event", "test-kept", "user", user, "count", strconv.Itoa(marked))})
}

// POP3Closed records the end of a session.
func (l *Logger) POP3Closed(id, user, client string, retrieved, deleted int, why string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: white, Module: modulePOP3, ID: id, Status: "INFO",
		Text: fmt.Sprintf("[%s] %s exited with %d message(s) retrieved, %d deleted (%s)", client, user, retrieved, deleted, why),
		Fields: pop3Fields("client", client, "event", "close", "user", user,
			"detail", fmt.Sprintf("%s; %d retrieved; %d deleted", why, retrieved, deleted))})
}

// POP3Error records a server-side failure in a session (a file that cannot
// be read, a lock that cannot be released...).
func (l *Logger) POP3Error(id, user, text string) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: red, Module: modulePOP3, ID: id, Status: "FAIL",
		Text: text, Fields: pop3Fields("event", "error", "user", user)})
}

// POP3Panic records a recovered panic with its stack; the session ends,
// the server goes on.
func (l *Logger) POP3Panic(id, value string, stack []byte) {
	l.emit(event{File: FilePOP3, Level: Normal, Color: red, Module: modulePOP3, ID: id, Status: "PANIC",
		Text: "internal error (session ended): " + value, Fields: pop3Fields("event", "panic", "detail", strings.TrimSpace(string(stack)))})
}

// pop3Fields returns the columns of a pop3 row from name, value pairs.
func pop3Fields(kv ...string) []string { return cols(FilePOP3, kv...) }

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
