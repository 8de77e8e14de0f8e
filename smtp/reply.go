package smtp

import (
	"bufio"
	"errors"
	"strconv"
	"strings"

	"mailq/queue"
	"mailq/wire"
)

// Reply is one SMTP reply: a three-digit code, an enhanced status code (RFC
// 3463) and one or more lines of text. Close asks the server to close the
// connection after sending it. A Reply is also an error, so lower layers (a
// Guard, a mechanism) can return an exact answer; replyFor passes it through.
type Reply struct {
	Code  int
	Enh   string // "2.1.0"; empty only where RFC 2034 §3 exempts the reply
	Lines []string
	Close bool

	// written marks a reply its handler has already sent (the HTTP
	// answer), or one there is nothing to send for (after STARTTLS, or a
	// connection that failed); as in pop3, a mark that no computed reply
	// can carry by mistake.
	written bool
}

// Error returns the reply as it would be sent, on one line.
func (r Reply) Error() string {
	var b strings.Builder
	for i, l := range r.Lines {
		if i > 0 {
			b.WriteString(" / ")
		}
		b.WriteString(strconv.Itoa(r.Code))
		if r.Enh != "" {
			b.WriteString(" " + r.Enh)
		}
		b.WriteString(" " + l)
	}
	if len(r.Lines) == 0 {
		b.WriteString(strconv.Itoa(r.Code))
	}
	return b.String()
}

// Temporary reports whether the client may try again later (4xx).
func (r Reply) Temporary() bool { return r.Code >= 400 && r.Code < 500 }

// Failed reports whether the reply refuses the command (4xx or 5xx).
func (r Reply) Failed() bool { return r.Code >= 400 }

// writeTo writes the reply in wire form: "250-..." on every line but the last
// (RFC 5321 §4.2.1), each with the enhanced code.
func (r Reply) writeTo(w *bufio.Writer) {
	if r.written {
		return // the handler wrote its own answer, or there is none
	}
	lines := r.Lines
	if len(lines) == 0 {
		lines = []string{""}
	}
	var code [3]byte
	c := strconv.AppendInt(code[:0], int64(r.Code), 10)
	for i, l := range lines {
		w.Write(c)
		if i < len(lines)-1 {
			w.WriteByte('-')
		} else {
			w.WriteByte(' ')
		}
		if r.Enh != "" {
			w.WriteString(r.Enh)
			if l != "" {
				w.WriteByte(' ')
			}
		}
		w.WriteString(l)
		w.WriteString("\r\n")
	}
}

// reply builds a one-line Reply.
func reply(code int, enh, text string) Reply {
	return Reply{Code: code, Enh: enh, Lines: []string{text}}
}

// closing returns r with the close flag set.
func (r Reply) closing() Reply {
	r.Close = true
	return r
}

// Fixed replies, named for their meaning.
var (
	replyOK            = reply(250, "2.0.0", "OK")
	replyUnknown       = reply(500, "5.5.1", "Command unrecognized")
	replySyntax        = reply(500, "5.5.2", "Syntax error in command line")
	replyLineTooLong   = reply(500, "5.5.2", "Line too long") // RFC 5321 §4.5.3.1.4
	replyNoHello       = reply(503, "5.5.1", "Send HELO or EHLO first")
	replyNestedMail    = reply(503, "5.5.1", "Nested MAIL command")
	replyNeedMail      = reply(503, "5.5.1", "Send MAIL first")
	replyNoValidRcpt   = reply(554, "5.5.1", "No valid recipients") // RFC 2920 §3.1
	replyNoArgs        = reply(501, "5.5.4", "No arguments allowed")
	replyAuthRequired  = reply(530, "5.7.0", "Authentication required") // RFC 4954 §6
	replyAuthInvalid   = reply(535, "5.7.8", "Authentication credentials invalid")
	replyAuthOK        = reply(235, "2.7.0", "Authentication successful")
	replyAuthCancelled = reply(501, "5.0.0", "Authentication cancelled") // RFC 4954 §4
	replyAuthBase64    = reply(501, "5.5.2", "Cannot decode base64 response")
	replyAuthTwice     = reply(503, "5.5.1", "Already authenticated")
	replyAuthNoEHLO    = reply(503, "5.5.1", "AUTH needs EHLO first")
	replyAuthInMail    = reply(503, "5.5.1", "AUTH not allowed during a mail transaction") // RFC 4954 §4
	replyAuthMech      = reply(504, "5.5.4", "Unrecognized authentication mechanism")
	replyTooManyRcpts  = reply(452, "4.5.3", "Too many recipients") // RFC 5321 §4.5.3.1.10
	replyTooBig        = reply(552, "5.3.4", "Message size exceeds fixed maximum message size")
	replyNoSpace       = reply(452, "4.3.1", "Insufficient system storage, try again later")
	replyQueueFull     = reply(452, "4.3.1", "Queue full, try again later")
	replyLocalError    = reply(451, "4.3.0", "Local error in processing, try again later")
	replyLoop          = reply(554, "5.4.6", "Too many Received headers: mail loop suspected")
	replyAliasLoop     = reply(451, "4.4.6", "Alias loop for this recipient, try again later")
	// RFC 3463 §3.8: X.7.1 delivery not authorized.
	replyGroupLocalOnly = reply(550, "5.7.1", "This group takes mail from local senders only")
	replyNoSuchUser     = reply(550, "5.1.1", "No such user here")
	replyBadParam       = reply(555, "5.5.4", "Unsupported parameter") // RFC 5321 §4.1.1.11
	replyBadBody        = reply(501, "5.5.4", "BODY must be 7BIT or 8BITMIME")
	replyBadSize        = reply(501, "5.5.4", "SIZE must be a number")
	replyNonASCII       = reply(553, "5.6.7", "Non-ASCII addresses need SMTPUTF8") // RFC 6531 §3.5
	replyTimeout        = reply(421, "4.4.2", "Idle timeout, closing connection").closing()
	replyInternal       = reply(421, "4.3.0", "Internal error, closing connection").closing()
	replyExpn           = reply(502, "5.5.1", "EXPN is not available")
	replyVrfyOff        = reply(252, "2.0.0", "Cannot VRFY user, but will accept the message and attempt delivery") // RFC 5321 §3.5.3
	replyTimeLimit      = reply(503, "5.5.1", "TIME may be used 5 times per session")
	replyHELOOnly       = reply(502, "5.5.1", "EHLO is not accepted here, use HELO")
	replyEHLOOnly       = reply(502, "5.5.1", "HELO is not accepted here, use EHLO")
	replyNeedDomain     = reply(501, "5.5.4", "A domain name is required") // RFC 5321 §4.1.1.1
)

// replyFor maps an error to the reply the client gets: a Reply passes
// through; queue errors map by DURABILITY rule 5 (ErrNoSpace → 452 4.3.1,
// ErrTooBig → 552 5.3.4); anything else is a temporary local error, 451
// 4.3.0, whose details belong in the log, not on the wire.
func replyFor(err error) Reply {
	var r Reply
	switch {
	case err == nil:
		return replyOK
	case errors.As(err, &r):
		return r
	case errors.Is(err, queue.ErrNoSpace):
		return replyNoSpace
	case errors.Is(err, queue.ErrTooBig), errors.Is(err, wire.ErrTooLarge):
		return replyTooBig
	}
	return replyLocalError
}
