// Package dsn builds the failure notices mailq returns to the sender of a
// message it gave up on: RFC 3464 delivery status notifications. Both agents
// use it, the MXA for recipients other servers refused or that expired, the
// MDA for local recipients without a mailbox.
//
// It owns the notice's id (derived from the failed set's, so that a notice
// written again after a crash has the same name and the queue refuses the
// second), the multipart/report rendering, the notice's envelope and the
// reading of the original header it returns.
//
// It owns one rule of what a notice may say, shared by both agents: a
// recipient reached through an alias to another domain is not named to a
// sender that may be forged (Withheld), and the one step that writes a
// notice, exactly once, for both agents (Notice.Write, through package
// queue). It must not decide whether a notice is due (the null sender,
// SMTPEnableFailureBounce), parse SMTP replies (each recipient's status and
// diagnostic come in worked out), touch files but through queue, or log:
// the caller logs.
package dsn

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"time"

	"mailq/queue"
)

// MaxHeader caps the original header returned in a notice.
const MaxHeader = 64 << 10

// ID returns the id of the failure notice the MXA writes for set id. It is
// derived from id, so a notice written again after a crash has the same
// name and WriteSet refuses it (ErrExists) while the first is still where it
// was written, which Write makes sure of, and the sender gets one notice.
// It is a base id, not a derived one, so that the notice's own copies never
// share a name with copies of the failed message in a mailbox. Its time
// part is the failed message's, which keeps it deterministic.
func ID(id queue.ID) queue.ID {
	return derive(id, "mailq failure notice", "")
}

// LocalID returns the id of the failure notice the MDA writes for the
// local recipients of set id it gave up, deterministic like ID. It differs
// from ID(id): the external set keeps the incoming set's id, so both agents
// may give up recipients of one set, and each notice needs its own name.
func LocalID(id queue.ID) queue.ID {
	return derive(id, "mailq local failure notice", ID(id))
}

// DelayID returns the id of the delay notice the MXA writes for set id
// (RFC 3464 Action: delayed), deterministic like ID and different from ID
// and LocalID of the same set, whose final notice may follow it.
func DelayID(id queue.ID) queue.ID {
	return derive(id, "mailq delay notice", ID(id), LocalID(id))
}

// derive hashes tag and id into the last eight digits of a base id with
// id's time part. The result is never id's base id, nor one of not.
func derive(id queue.ID, tag string, not ...queue.ID) queue.ID {
	base := string(id.Base())
	h := fnv.New64a()
	io.WriteString(h, tag+"\x00"+string(id))
	sum := h.Sum64()
	for {
		b := queue.ID(fmt.Sprintf("%s%08d", base[:14], sum%100000000))
		if b != id.Base() && !slices.Contains(not, b) {
			return b
		}
		sum++
	}
}

// ReadHeader returns the header of the message in r: up to the blank line,
// at most MaxHeader octets cut at a line end, with CRLF line ends.
func ReadHeader(r io.Reader) []byte {
	br := bufio.NewReader(io.LimitReader(r, MaxHeader+1))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			break // a partial last line (or the cap) is left out
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		out.WriteString(line)
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

// The actions of RFC 3464 §2.3.3 a notice reports; "" is ActionFailed.
const (
	ActionFailed    = "failed"
	ActionDelayed   = "delayed"   // still being retried (NOTIFY=DELAY)
	ActionDelivered = "delivered" // filed into a local mailbox (NOTIFY=SUCCESS)
	ActionRelayed   = "relayed"   // sent to a next hop without DSN (NOTIFY=SUCCESS)
)

// Recipient is what a notice says of one recipient.
type Recipient struct {
	Addr string // Final-Recipient
	Orig string // Original-Recipient when there is no ORCPT: the alias; "" if none
	// ORcpt is the ORCPT parameter, "type;address" (RFC 3461 §4.2): the
	// Original-Recipient when given.
	ORcpt  string
	Action string // ActionFailed ("" too), ActionDelayed, ActionDelivered, ActionRelayed
	// Status is the RFC 3463 status code, "5.1.1". One that is empty or
	// of class 2 (a recipient marked failed by hand) is reported as 5.0.0.
	Status string
	// RemoteMTA is the name of the server that refused the recipient; ""
	// for a failure found locally.
	RemoteMTA string
	// Diagnostic is the reply on one line, "550 5.1.1 text": the remote
	// server's (diagnostic type smtp), or one made up locally (X-mailq).
	Diagnostic string
	// Text is the line shown to people in the first part; "" means
	// Diagnostic.
	Text string
}

// Notice holds what a notice says: a failure notice, a success notice
// (RFC 3461 NOTIFY=SUCCESS), or both in one, or a delay notice.
type Notice struct {
	ID       queue.ID        // the notice's own id: ID, LocalID or DelayID of Env.ID (Write sets it)
	HostName string          // Reporting-MTA, and the MAILER-DAEMON's domain
	Env      *queue.Envelope // the failed set: its id, sender, tracking id, receive time
	Failed   []Recipient
	Header   []byte // the failed message's header, CRLF line ends (ReadHeader)
	// Body is the rest of the message after the header's blank line, for
	// RET=FULL (RFC 3461 §4.3): the notice returns the whole message.
	// nil returns the header only.
	Body  []byte
	Delay bool // a delay notice: every recipient's action is delayed
	Now   time.Time
}

// Set returns the notice as a set for the incoming queue: an envelope from
// the null sender (RFC 5321 §4.5.5: nobody is told about a notice that
// fails in turn) to the failed set's sender, and the message.
func (n *Notice) Set() (*queue.Envelope, []byte) {
	msg, body8 := n.Build()
	env := &queue.Envelope{ID: n.ID, Tracking: queue.NewTrackingID(), Helo: n.HostName,
		From: "", Recipients: []queue.Recipient{{N: 1, Addr: n.Env.From}}}
	if body8 {
		env.Body = queue.Body8BitMIME // RFC 6152
	}
	if has8Bit([]byte(n.Env.From)) {
		// A UTF-8 sender (RFC 6531) is reached only under SMTPUTF8, and
		// its address is in the notice's To field (RFC 6533 §3).
		env.SMTPUTF8, env.Body = true, queue.Body8BitMIME
	}
	return env, msg
}

// MaxFull caps the message a notice returns whole (RET=FULL); a larger one
// is returned as its header, which RFC 3461 §4.3 allows ("the MTA MAY
// return only the headers").
const MaxFull = 10 << 20

// Original reads the message in r for a notice: its header (ReadHeader),
// and for ret FULL the rest after the blank line, when the message is at
// most MaxFull octets.
func Original(r io.Reader, ret queue.Ret) (header, body []byte) {
	if ret != queue.RetFull {
		return ReadHeader(r), nil
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFull+1))
	header = ReadHeader(bytes.NewReader(data))
	if err != nil || len(data) > MaxFull {
		return header, nil
	}
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(data, []byte(sep)); i >= 0 {
			return header, data[i+len(sep):]
		}
	}
	return header, []byte{}
}
