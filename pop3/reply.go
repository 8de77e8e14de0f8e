package pop3

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"mailq/accounts"
	"mailq/lockfile"
	"mailq/queue"
)

// Response codes (RFC 2449 §8, RFC 3206), sent in brackets after -ERR.
const (
	CodeInUse   = "IN-USE"   // RFC 2449 §8.1.1: the mailbox is locked by another session
	CodeAuth    = "AUTH"     // RFC 3206 §5: the credentials were refused
	CodeSysTemp = "SYS/TEMP" // RFC 3206 §4: a temporary problem of the server
	CodeSysPerm = "SYS/PERM" // RFC 3206 §4: a permanent problem of the server
)

// Reply is one POP3 response: +OK or -ERR, an optional response code, one
// line of text and, for a multi-line response, the lines that follow it. It
// implements error, so lower layers (and a Guard) can return an exact answer.
type Reply struct {
	OK    bool
	Code  string   // without brackets; "" for none
	Text  string   // the rest of the status line
	Multi bool     // a multi-line response: Lines, then "." (RFC 1939 §3)
	Lines []string // the lines of a multi-line response, not yet dot-stuffed
	Close bool     // close the connection after sending

	// written marks a reply its handler has already sent (RETR, TOP, the
	// HTTP answer) or one that must not be sent (a dead connection).
	written bool
}

func (r Reply) Error() string {
	return r.status()
}

// status returns the first line without its CRLF.
func (r Reply) status() string {
	var b strings.Builder
	if r.OK {
		b.WriteString("+OK")
	} else {
		b.WriteString("-ERR")
	}
	if r.Code != "" {
		b.WriteString(" [")
		b.WriteString(r.Code)
		b.WriteByte(']')
	}
	if r.Text != "" {
		b.WriteByte(' ')
		b.WriteString(r.Text)
	}
	return b.String()
}

// writeTo writes the reply in its wire form.
func (r Reply) writeTo(w *bufio.Writer) error {
	w.WriteString(r.status())
	w.WriteString("\r\n")
	if r.Multi {
		for _, l := range r.Lines {
			if strings.HasPrefix(l, ".") {
				w.WriteByte('.') // RFC 1939 §3: byte-stuff a leading dot
			}
			w.WriteString(l)
			w.WriteString("\r\n")
		}
		w.WriteString(".\r\n")
	}
	// bufio.Writer keeps its first error; Flush reports it too.
	_, err := w.WriteString("")
	return err
}

// closing returns r with the close flag set.
func (r Reply) closing() Reply {
	r.Close = true
	return r
}

func ok(text string) Reply   { return Reply{OK: true, Text: text} }
func fail(text string) Reply { return Reply{Text: text} }
func multi(text string, lines []string) Reply {
	return Reply{OK: true, Text: text, Multi: true, Lines: lines}
}

// Fixed replies, named for their meaning.
var (
	replyUnknown     = fail("unknown command")
	replyBadState    = fail("command not valid in this state")
	replySyntax      = fail("syntax error")
	replyLineTooLong = fail("line too long")
	replyNoSuchMsg   = fail("no such message")
	replyDeletedMsg  = fail("message is deleted")
	replyNeedUser    = fail("send USER first")
	replyAuthFailed  = Reply{Code: CodeAuth, Text: "authentication failed"}
	replyInUse       = Reply{Code: CodeInUse, Text: "mailbox is in use by another session"}
	replyTempFail    = Reply{Code: CodeSysTemp, Text: "temporary server error; try again later"}
	replyBusy        = Reply{Code: CodeSysTemp, Text: "too many connections; try again later", Close: true}
	replyShutdown    = Reply{Code: CodeSysTemp, Text: "server shutting down", Close: true}
	replyTimeout     = Reply{Text: "idle for too long; closing connection", Close: true}
	replyRefused     = Reply{Code: CodeSysPerm, Text: "access denied", Close: true}
	replyGone        = fail("message is no longer in the mailbox")
	replyAuthAborted = fail("authentication cancelled")
	replyBadBase64   = fail("invalid base64 in authentication exchange")
	replyNoMech      = fail("unsupported authentication mechanism")
	replyNotLoggedIn = fail("not logged in; log in first")
)

// replyFor maps an error to the reply the client gets. It is the one place
// that decides what a failure means on the wire; the details go to the log,
// never to the client (STYLE section 3).
func replyFor(err error) Reply {
	var r Reply
	var held *lockfile.HeldError
	switch {
	case err == nil:
		return ok("")
	case errors.As(err, &r):
		return r
	case errors.Is(err, accounts.ErrUnknown), errors.Is(err, accounts.ErrPassword),
		errors.Is(err, accounts.ErrSecret), errors.Is(err, accounts.ErrLocked):
		// One answer for all: which accounts exist, and which are locked,
		// is not the client's business (see "Logins that fail" in doc.go).
		return replyAuthFailed
	case errors.As(err, &held):
		return replyInUse
	case errors.Is(err, queue.ErrNotFound):
		return replyGone
	}
	return replyTempFail
}

// plural writes a count with its noun: "1 message", "2 messages".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
