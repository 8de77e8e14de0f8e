package dsn

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// Build renders the notice as an RFC 3464 delivery status notification: a
// multipart/report (RFC 6522) with a text part for people, a
// message/delivery-status part for programs and the original: its header as
// text/rfc822-headers, or the whole message as message/rfc822 when Body is
// set (RET=FULL). body8 reports 8-bit octets in what is returned, so the
// notice is sent as 8BITMIME.
func (n *Notice) Build() (msg []byte, body8 bool) {
	host := n.HostName
	if host == "" {
		host = "localhost"
	}
	boundary := "=_mailq_" + string(n.ID)
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\r\n", args...) }
	subject, intro, failure := n.wording()
	w("Date: %s", n.Now.Format(time.RFC1123Z))
	w("From: Mail Delivery System <MAILER-DAEMON@%s>", host)
	w("To: <%s>", n.Env.From)
	w("Subject: %s", subject)
	w("Message-ID: <%s.bounce@%s>", n.ID, host)
	w("Auto-Submitted: auto-replied") // RFC 3834 §5
	w("MIME-Version: 1.0")
	w("Content-Type: multipart/report; report-type=delivery-status;")
	w("\tboundary=\"%s\"", boundary)
	w("")
	w("This is a MIME-formatted message. A delivery status notification follows.")
	w("")
	w("--%s", boundary)
	w("Content-Type: text/plain; charset=us-ascii")
	w("Content-Description: Notification")
	w("")
	w("This is the mail system at %s.", host)
	w("")
	for _, line := range intro {
		w("%s", line)
	}
	w("")
	for _, r := range n.Failed {
		text := r.Text
		if text == "" {
			text = r.Diagnostic
		}
		if a := action(r); a == ActionFailed {
			w("<%s>:", clean(r.Addr, 900))
		} else {
			w("<%s>: %s", clean(r.Addr, 900), a)
		}
		if text != "" {
			w("    %s", clean(text, 900))
		}
		w("")
	}
	w("--%s", boundary)
	w("Content-Type: message/delivery-status")
	w("Content-Description: Delivery report")
	w("")
	w("Reporting-MTA: dns; %s", host) // RFC 3464 §2.2
	if n.Env.EnvID != "" {
		w("Original-Envelope-Id: %s", clean(n.Env.EnvID, 100)) // RFC 3464 §2.2.1
	}
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
	body8 = n.original(&b, w, failure)
	w("")
	w("--%s--", boundary)
	return b.Bytes(), body8
}

// original writes the third part: the whole message for RET=FULL
// (message/rfc822, RFC 3462 §2), else its header. It reports 8-bit octets.
func (n *Notice) original(b *bytes.Buffer, w func(string, ...any), failure bool) (body8 bool) {
	body8 = has8Bit(n.Header) || has8Bit(n.Body)
	switch {
	case n.Body != nil:
		w("Content-Type: message/rfc822")
		w("Content-Description: Original message")
	case failure:
		w("Content-Type: text/rfc822-headers")
		w("Content-Description: Undelivered message header")
	default:
		w("Content-Type: text/rfc822-headers")
		w("Content-Description: Original message header")
	}
	if body8 {
		w("Content-Transfer-Encoding: 8bit")
	}
	w("")
	b.Write(n.Header)
	if n.Body != nil {
		w("")
		b.Write(n.Body)
		if len(n.Body) > 0 && !bytes.HasSuffix(n.Body, []byte("\r\n")) {
			w("")
		}
	}
	return body8
}

// wording returns the subject and the opening text for people: a failure
// notice (failure true) if any recipient failed, else a delay notice or a
// success notice.
func (n *Notice) wording() (subject string, intro []string, failure bool) {
	for _, r := range n.Failed {
		if action(r) == ActionFailed {
			return "Undelivered Mail Returned to Sender", []string{
				"Your message could not be delivered to one or more of its recipients.",
				"The mail system gave up on it for the reasons below. The " + n.returned() + " of",
				"your message is attached."}, true
		}
	}
	if n.Delay {
		return "Delayed Mail (still being retried)", []string{
			"Your message has not been delivered yet to the recipients below.",
			"The mail system is still trying; there is no need to send it again.",
			"The " + n.returned() + " of your message is attached."}, false
	}
	return "Successful Mail Delivery Report", []string{
		"Your message was delivered to the recipients below, or handed on",
		"to a mail system that does not report deliveries (relayed), as you",
		"asked. The " + n.returned() + " of your message is attached."}, false
}

func (n *Notice) returned() string {
	if n.Body != nil {
		return "copy"
	}
	return "header"
}

func action(r Recipient) string {
	if r.Action == "" {
		return ActionFailed
	}
	return r.Action
}

// recipientFields writes one recipient's block of RFC 3464 §2.3.
func recipientFields(w func(string, ...any), r Recipient) {
	act := action(r)
	status := r.Status
	switch {
	case act == ActionFailed && (status == "" || status[0] != '5' && status[0] != '4'),
		act == ActionFailed && status[0] == '4':
		status = "5.0.0" // RFC 3464 §2.3.4: a failed action has a failure status
	case act == ActionDelayed && (status == "" || status[0] != '4'):
		status = "4.0.0"
	case (act == ActionDelivered || act == ActionRelayed) && (status == "" || status[0] != '2'):
		status = "2.0.0"
	}
	w("")
	// A recipient given up for not being an address may hold anything the
	// .auth can escape, line breaks included: never a raw one here.
	w("Final-Recipient: %s", addrField(r.Addr, 900)) // utf8.go
	if t, addr, ok := strings.Cut(r.ORcpt, ";"); ok {
		w("Original-Recipient: %s; %s", clean(t, 40), clean(addr, 900)) // RFC 3464 §2.3.1, from ORCPT
	} else if r.Orig != "" {
		w("Original-Recipient: %s", addrField(r.Orig, 900))
	}
	w("Action: %s", act)
	w("Status: %s", clean(status, 11))
	if r.RemoteMTA != "" {
		w("Remote-MTA: dns; %s", clean(r.RemoteMTA, 255))
	}
	switch {
	case r.Diagnostic == "":
	case r.RemoteMTA != "":
		w("Diagnostic-Code: smtp; %s", clean(r.Diagnostic, 900))
	default:
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
