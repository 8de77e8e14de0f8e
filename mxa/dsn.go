package mxa

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"time"

	"mailq/queue"
)

// maxBounceHeader caps the original header returned in a failure notice.
const maxBounceHeader = 64 << 10

// bounceID returns the id of the failure notice for set id. It is derived
// from id, so a notice written again after a crash has the same name and
// WriteSet refuses it (ErrExists): the sender gets one notice. It is a base
// id, not a derived one, so that the notice's own copies never share a name
// with copies of the failed message in a mailbox. Its time part is the
// failed message's, which keeps it deterministic.
func bounceID(id queue.ID) queue.ID {
	base := string(id.Base())
	h := fnv.New64a()
	io.WriteString(h, "mailq failure notice\x00"+string(id))
	sum := h.Sum64()
	for {
		b := queue.ID(fmt.Sprintf("%s%08d", base[:14], sum%100000000))
		if b != id.Base() {
			return b
		}
		sum++
	}
}

// notice holds what a failure notice says.
type notice struct {
	id       queue.ID // the notice's own id
	hostName string   // Reporting-MTA, and the MAILER-DAEMON's domain
	env      *queue.Envelope
	failed   []queue.Recipient
	header   []byte // the failed message's header, CRLF line ends
	now      time.Time
}

// readHeader returns the header of the message in r: up to the blank line,
// at most maxBounceHeader octets cut at a line end, with CRLF line ends.
func readHeader(r io.Reader) []byte {
	br := bufio.NewReader(io.LimitReader(r, maxBounceHeader+1))
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

// build renders the notice as an RFC 3464 delivery status notification: a
// multipart/report (RFC 6522) with a text part for people, a
// message/delivery-status part for programs and the original header as
// text/rfc822-headers. body8 reports 8-bit octets (from the original header),
// so the notice is sent as 8BITMIME.
func (n *notice) build() (msg []byte, body8 bool) {
	host := n.hostName
	if host == "" {
		host = "localhost"
	}
	boundary := "=_mailq_" + string(n.id)
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("Date: %s", n.now.Format(time.RFC1123Z))
	w("From: Mail Delivery System <MAILER-DAEMON@%s>", host)
	w("To: <%s>", n.env.From)
	w("Subject: Undelivered Mail Returned to Sender")
	w("Message-ID: <%s.bounce@%s>", n.id, host)
	w("Auto-Submitted: auto-replied") // RFC 3834 §5
	w("MIME-Version: 1.0")
	w("Content-Type: multipart/report; report-type=delivery-status;")
	w("\tboundary=\"%s\"", boundary)
	w("")
	w("This is a MIME-formatted message. A notice of failed delivery follows.")
	w("")
	w("--%s", boundary)
	w("Content-Type: text/plain; charset=us-ascii")
	w("Content-Description: Notification")
	w("")
	w("This is the mail system at %s.", host)
	w("")
	w("Your message could not be delivered to one or more of its recipients.")
	w("The mail system gave up on it for the reasons below. The header of")
	w("your message is attached.")
	w("")
	for _, r := range n.failed {
		w("<%s>:", r.Addr)
		w("    %s", clean(r.Result, 900))
		w("")
	}
	w("--%s", boundary)
	w("Content-Type: message/delivery-status")
	w("Content-Description: Delivery report")
	w("")
	w("Reporting-MTA: dns; %s", host) // RFC 3464 §2.2
	w("X-Mailq-Queue-ID: %s", n.env.ID)
	if n.env.Tracking != "" {
		w("X-Mailq-Tracking-ID: %s", clean(n.env.Tracking, 100))
	}
	if !n.env.Received.IsZero() {
		w("Arrival-Date: %s", n.env.Received.Format(time.RFC1123Z))
	}
	for _, r := range n.failed {
		n.recipientFields(w, r)
	}
	w("--%s", boundary)
	body8 = has8Bit(n.header)
	w("Content-Type: text/rfc822-headers")
	w("Content-Description: Undelivered message header")
	if body8 {
		w("Content-Transfer-Encoding: 8bit")
	}
	w("")
	b.Write(n.header)
	w("")
	w("--%s--", boundary)
	return b.Bytes(), body8
}

// recipientFields writes one recipient's block of RFC 3464 §2.3.
func (n *notice) recipientFields(w func(string, ...any), r queue.Recipient) {
	rep := parseResult(r.Result, true)
	status := rep.Status()
	if status[0] == '2' {
		status = "5.0.0" // a recipient marked failed by hand
	}
	w("")
	w("Final-Recipient: rfc822; %s", r.Addr)
	if r.Orig != "" {
		w("Original-Recipient: rfc822; %s", r.Orig)
	}
	w("Action: failed")
	w("Status: %s", status)
	if rep.Host != "" {
		name, _, _ := strings.Cut(rep.Host, "[")
		w("Remote-MTA: dns; %s", clean(name, 255))
		w("Diagnostic-Code: smtp; %s", clean(rep.Error(), 900))
	} else {
		w("Diagnostic-Code: X-mailq; %s", clean(rep.Error(), 900))
	}
}

// clean makes text from a remote server safe for one header line: printable
// ASCII only, at most max octets.
func clean(s string, max int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < max; i++ {
		c := s[i]
		if c < ' ' || c > '~' {
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func has8Bit(p []byte) bool {
	for _, c := range p {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func bytesReader(p []byte) io.Reader { return bytes.NewReader(p) }
