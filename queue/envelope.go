package queue

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Envelope is the content of a set's .auth file: how the message arrived
// and, per recipient, how far its delivery has got. The format is specified
// in doc.go.
type Envelope struct {
	ID         ID         // the set's id; Commit fills it in
	Tracking   string     // tracking id, the same in every copy (NewTrackingID)
	Received   time.Time  // original receive time, UTC; never a file time
	ClientIP   netip.Addr // the SMTP client's address; zero if none
	Helo       string     // the HELO/EHLO argument, as sent
	AuthUser   string     // the authenticated user; "" if none
	Origin     Origin     // how far the sender is known (version 2); see origin.go
	From       string     // envelope sender without brackets; "" is the null sender <>
	Body       Body       // the BODY= parameter of MAIL (RFC 6152)
	SMTPUTF8   bool       // MAIL's SMTPUTF8 parameter (RFC 6531 §3.4): UTF-8 addresses and header (version 4)
	Size       int64      // bytes in the .eml; Commit fills it in
	Notice     NoticeOf   // for a failure notice: the set it is about (version 3); see notice.go
	Ret        Ret        // RET of MAIL (RFC 3461 §4.3; version 4); see dsn.go
	EnvID      string     // ENVID of MAIL, xtext decoded (RFC 3461 §4.4; version 4)
	Recipients []Recipient
}

// Recipient is one envelope recipient and its delivery progress.
type Recipient struct {
	// N numbers the recipient within its message, 1 to MaxRecipients. It is
	// unique among all the recipients the message (its base id) ever had,
	// kept in every copy and never reused: ID.Derive(N) names the
	// recipient's own copy. Commit and WriteSet number recipients whose N
	// is 0, above the highest number in the envelope.
	N        int
	Addr     string    // the address to deliver to, without brackets
	Orig     string    // the address as received, if alias expansion changed it
	Status   Status    // pending, delivered or failed
	Attempts int       // delivery attempts so far
	Next     time.Time // earliest next attempt, UTC; zero means now
	Result   string    // last result, e.g. the remote server's reply line
	// The DSN request (RFC 3461; version 4, dsn.go): NOTIFY (0: absent),
	// ORCPT as "type;address", xtext decoded ("" if absent); Warned is
	// when its delay notice was written, Passed that the next hop was
	// given the request and reports success itself.
	Notify Notify
	ORcpt  string
	Warned time.Time
	Passed bool
}

// Status is a recipient's delivery state.
type Status int

// The recipient states. A recipient is pending until it is delivered (to a
// mailbox, or 250 from the next hop) or failed (a permanent failure, or
// expiry: a bounce is due). DURABILITY rule 9: each change is recorded with
// UpdateEnvelope before the next recipient is tried.
const (
	StatusPending Status = iota
	StatusDelivered
	StatusFailed
)

var statusNames = [...]string{"pending", "delivered", "failed"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return "status(" + strconv.Itoa(int(s)) + ")"
	}
	return statusNames[s]
}

// Body is the body type declared with MAIL FROM (RFC 6152).
type Body int

// The body types. The zero value is 7BIT, the RFC 5321 default.
const (
	Body7Bit Body = iota
	Body8BitMIME
)

var bodyNames = [...]string{"7BIT", "8BITMIME"}

func (b Body) String() string {
	if b < 0 || int(b) >= len(bodyNames) {
		return "body(" + strconv.Itoa(int(b)) + ")"
	}
	return bodyNames[b]
}

const (
	formatMagic = "mailq-envelope"
	// formatVersion is the newest version read and written; version 1
	// files are read too, and written when they need nothing newer.
	formatVersion = 4
	// maxEnvelopeSize bounds an .auth file, so a bad file cannot make a
	// reader allocate without limit.
	maxEnvelopeSize = 4 << 20
)

// MarshalText encodes e in the .auth format (doc.go). It fails, wrapping
// ErrMalformed, for an envelope that could not be read back the same: no
// recipients, a recipient without an address or with N outside 1 to
// MaxRecipients or repeated, an invalid id, a negative count, a time outside
// years 0 to 9999, or an unknown status or body type.
func (e *Envelope) MarshalText() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(formatMagic + " " + strconv.Itoa(e.version()) + "\n")
	field := func(key, value string) {
		if value != "" {
			b.WriteString(key + " " + value + "\n")
		}
	}
	field("id", string(e.ID))
	field("tracking", escape(e.Tracking))
	field("received", formatTime(e.Received))
	if e.ClientIP.IsValid() {
		field("client", escape(e.ClientIP.String()))
	}
	field("helo", escape(e.Helo))
	field("auth", escape(e.AuthUser))
	field("origin", e.Origin.String())
	if e.From == "" {
		field("from", "<>") // RFC 5321 section 4.5.5: the null reverse-path
	} else {
		field("from", escape(e.From))
	}
	field("body", e.Body.String())
	if e.SMTPUTF8 {
		field("smtputf8", "yes")
	}
	field("size", strconv.FormatInt(e.Size, 10))
	field("notice", e.Notice.String())
	if e.Notice.Delay {
		field("report", "delayed")
	}
	field("ret", e.Ret.String())
	field("envid", escape(e.EnvID))
	for i, r := range e.Recipients {
		b.WriteString("rcpt " + escape(r.Addr) + " n=" + strconv.Itoa(r.N))
		if r.Orig != "" {
			b.WriteString(" orig=" + escape(r.Orig))
		}
		b.WriteString(" status=" + r.Status.String())
		if r.Attempts != 0 {
			b.WriteString(" attempts=" + strconv.Itoa(r.Attempts))
		}
		if !r.Next.IsZero() {
			b.WriteString(" next=" + formatTime(r.Next))
		}
		if r.Result != "" {
			b.WriteString(" result=" + escape(r.Result))
		}
		var d strings.Builder
		dsnAttrs(&d, &e.Recipients[i])
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	b.WriteString("end\n") // DURABILITY rule 3: a torn file has no end line
	return b.Bytes(), nil
}

// check reports why e cannot be marshalled.
func (e *Envelope) check() error {
	if e.ID != "" && !e.ID.Valid() {
		return malformed("invalid id %q", e.ID)
	}
	if e.Size < 0 {
		return malformed("negative size")
	}
	if e.Origin < 0 || int(e.Origin) >= len(originNames) {
		return malformed("unknown origin %d", int(e.Origin))
	}
	if n := e.Notice; !n.IsZero() && (!n.ID.Valid() || n.Folder < 0 || n.Folder >= numFolders) {
		return malformed("bad notice field %q %d", n.ID, int(n.Folder))
	}
	if e.Ret < 0 || int(e.Ret) >= len(retNames) || e.Notice.Delay && e.Notice.IsZero() {
		return malformed("bad ret or report field")
	}
	if e.Body < 0 || int(e.Body) >= len(bodyNames) {
		return malformed("unknown body type %d", int(e.Body))
	}
	if !timeOK(e.Received) {
		return malformed("received time out of range")
	}
	if len(e.Recipients) == 0 {
		return malformed("no recipients")
	}
	seen := make(map[int]bool, len(e.Recipients))
	for i, r := range e.Recipients {
		switch {
		case r.Addr == "":
			return malformed("recipient %d: no address", i+1)
		case r.N < 1 || r.N > MaxRecipients || seen[r.N]:
			return malformed("recipient %d: number %d is out of range or repeated", i+1, r.N)
		case r.Status < 0 || int(r.Status) >= len(statusNames):
			return malformed("recipient %d: unknown status %d", i+1, int(r.Status))
		case r.Notify&NotifyNever != 0 && r.Notify != NotifyNever:
			return malformed("recipient %d: NEVER with other NOTIFY conditions", i+1)
		case r.Attempts < 0:
			return malformed("recipient %d: negative attempts", i+1)
		case !timeOK(r.Next) || !timeOK(r.Warned):
			return malformed("recipient %d: next time out of range", i+1)
		}
		seen[r.N] = true
	}
	return nil
}

// number gives every recipient whose N is 0 a number above the highest in
// the envelope, in order.
func (e *Envelope) number() {
	top := 0
	for _, r := range e.Recipients {
		top = max(top, r.N)
	}
	for i := range e.Recipients {
		if e.Recipients[i].N == 0 {
			top++
			e.Recipients[i].N = top
		}
	}
}

// Clone returns a deep copy of e, for writing a modified copy (a split, a
// retry copy) without touching the original.
func (e *Envelope) Clone() *Envelope {
	c := *e
	c.Recipients = append([]Recipient(nil), e.Recipients...)
	return &c
}

// formatTime writes t in RFC 3339 with nanoseconds, in UTC; "" for zero.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// timeOK reports whether t can be written as RFC 3339 and read back.
func timeOK(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}
