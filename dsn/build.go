package dsn

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Build renders the notice as an RFC 3464 delivery status notification: a
// multipart/report (RFC 6522) with a text part for people, a
// message/delivery-status part for programs and the original header as
// text/rfc822-headers. body8 reports 8-bit octets (from the original header),
// so the notice is sent as 8BITMIME.
func (n *Notice) Build() (msg []byte, body8 bool) {
	host := n.HostName
	if host == "" {
		host = "localhost"
	}
	boundary := "=_mailq_" + string(n.ID)
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	w("Date: %s", n.Now.Format(time.RFC1123Z))
	w("From: Mail Delivery System <MAILER-DAEMON@%s>", host)
	w("To: <%s>", n.Env.From)
	w("Subject: Undelivered Mail Returned to Sender")
	w("Message-ID: <%s.bounce@%s>", n.ID, host)
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
	for _, r := range n.Failed {
		text := r.Text
		if text == "" {
			text = r.Diagnostic
		}
		w("<%s>:", clean(r.Addr, 900))
		w("    %s", clean(text, 900))
		w("")
	}
	w("--%s", boundary)
	w("Content-Type: message/delivery-status")
	w("Content-Description: Delivery report")
	w("")
	w("Reporting-MTA: dns; %s", host) // RFC 3464 §2.2
	w("X-Mailq-Queue-ID: %s", n.Env.ID)
	if n.Env.Tracking != "" {
		w("X-Mailq-Tracking-ID: %s", clean(n.Env.Tracking, 100))
	}
	if !n.Env.Received.IsZero() {
		w("Arrival-Date: %s", n.Env.Received.Format(time.RFC1123Z))
	}
	for _, r := range n.Failed {
		recipientFields(w, r)
	}
	w("--%s", boundary)
	body8 = has8Bit(n.Header)
	w("Content-Type: text/rfc822-headers")
	w("Content-Description: Undelivered message header")
	if body8 {
		w("Content-Transfer-Encoding: 8bit")
	}
	w("")
	b.Write(n.Header)
	w("")
	w("--%s--", boundary)
	return b.Bytes(), body8
}

// recipientFields writes one recipient's block of RFC 3464 §2.3.
func recipientFields(w func(string, ...any), r Recipient) {
	status := r.Status
	if status == "" || status[0] == '2' {
		status = "5.0.0" // RFC 3464 §2.3.4: a failed action has a failure status
	}
	w("")
	// A recipient given up for not being an address may hold anything the
	// .auth can escape, line breaks included: never a raw one here.
	w("Final-Recipient: %s", addrField(r.Addr, 900)) // utf8.go
	if r.Orig != "" {
		w("Original-Recipient: %s", addrField(r.Orig, 900))
	}
	w("Action: failed")
	w("Status: %s", clean(status, 11))
	if r.RemoteMTA != "" {
		w("Remote-MTA: dns; %s", clean(r.RemoteMTA, 255))
		w("Diagnostic-Code: smtp; %s", clean(r.Diagnostic, 900))
	} else {
		w("Diagnostic-Code: X-mailq; %s", clean(r.Diagnostic, 900))
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
