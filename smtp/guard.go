package smtp

import (
	"context"
	"net/netip"
)

// Client describes the session a Guard is asked about.
type Client struct {
	Session string     // the session id, as in the log
	IP      netip.Addr // zero when the connection is not TCP
	Helo    string     // the HELO/EHLO argument; "" before it
	User    string     // the authenticated user; "" if none
}

// Guard is the seam for the abuse controls (issue #7): block lists, DNSBL,
// auto-ban, per-IP limits, trusted relay addresses and POP-before-SMTP. The
// state machine calls it at fixed points; each method that returns an error
// refuses with it: a Reply is sent as it is (with Close to end the session),
// any other error becomes 451 4.3.0. Methods are called from many sessions at
// once. The server itself keeps no policy beyond the RFC limits.
type Guard interface {
	// Connect is called before the greeting, with the server's context
	// (cancelled at shutdown: lookups must give up then). An error refuses
	// the connection (a 554 Reply is followed by 503s until QUIT, RFC 5321
	// §3.1; anything else closes at once). Otherwise release, if not nil,
	// is called once when the session ends.
	Connect(ctx context.Context, c Client) (release func(), err error)
	// AuthFailed is called after each failed AUTH, with the session's
	// count of failures so far (auto-ban, then a closing reply).
	AuthFailed(c Client, failures int) error
	// Mail is called at MAIL FROM after the syntax checks (messages per
	// hour).
	Mail(c Client, from string) error
	// MayRelay reports whether the client may relay as an internal sender
	// without authenticating ([RelayIPs], POP-before-SMTP). It is asked at
	// RCPT when the session is not authenticated.
	MayRelay(c Client) bool
	// UnknownRecipient is called when RCPT names an unknown user at a
	// local domain, with the session's count of them so far (directory
	// harvest protection).
	UnknownRecipient(c Client, rcpt string, unknown int) error
	// Message is called after the final dot, before the commit, with the
	// message's size; an error refuses the message and nothing is kept.
	Message(c Client, size int64, rcpts int) error
	// FailedCommand is called after each command that got a 4xx or 5xx
	// reply, with the session's count so far. Its error replaces that
	// reply (usually 421 4.7.0 with Close).
	FailedCommand(c Client, failures int) error
}

// OpenGuard is the permissive Guard: it refuses nothing and trusts no one.
// Guards that implement only some checks can embed it.
type OpenGuard struct{}

var _ Guard = OpenGuard{}

func (OpenGuard) Connect(context.Context, Client) (func(), error) { return nil, nil }
func (OpenGuard) AuthFailed(Client, int) error                    { return nil }
func (OpenGuard) Mail(Client, string) error                       { return nil }
func (OpenGuard) MayRelay(Client) bool                            { return false }
func (OpenGuard) UnknownRecipient(Client, string, int) error      { return nil }
func (OpenGuard) Message(Client, int64, int) error                { return nil }
func (OpenGuard) FailedCommand(Client, int) error                 { return nil }

// Tagger is an optional extension of a Guard: header fields to add to each
// message of the session, below the trace fields (HELOCheck=tag). Each is a
// whole field, "Name: value", without CRLF.
type Tagger interface {
	Tags(c Client) []string
}

// appendTags appends the Guard's tag fields, made safe: one line each, at
// most maxTag bytes, printable ASCII (RFC 5322 §2.2).
func (s *session) appendTags(b []byte) []byte {
	tg, ok := s.srv.guard.(Tagger)
	if !ok {
		return b
	}
	for _, f := range tg.Tags(s.client()) {
		if len(f) > maxTag {
			f = f[:maxTag]
		}
		for i := 0; i < len(f); i++ {
			c := f[i]
			if c < ' ' || c >= 0x7f {
				c = '?'
			}
			b = append(b, c)
		}
		b = append(b, "\r\n"...)
	}
	return b
}

const maxTag = 900
