package mailtest

import (
	"fmt"
	"strings"
	"time"
)

// buildMessage makes test message n: RFC 5322 headers, a plain-text or HTML
// body, padded with text lines to Options.Size bytes of body when asked.
func buildMessage(o *Options, env *Env, n int) []byte {
	now := env.now()
	from := o.From
	if from == "" {
		from = "mailtest@" + env.hostname()
	}
	subject := "Test message from mailtest"
	if o.Count > 1 {
		subject += fmt.Sprintf(" (%d of %d)", n, o.Count)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n", from, o.To, subject)
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <mailtest.%d.%d@%s>\r\n", now.UnixNano(), n, env.hostname())
	b.WriteString("X-Mailer: mailq mailtest\r\nMIME-Version: 1.0\r\n")
	text := fmt.Sprintf("This is a test message sent by mailtest from %s at %s.", env.hostname(), now.Format(time.RFC1123Z))
	if o.HTML {
		b.WriteString("Content-Type: text/html; charset=utf-8\r\n\r\n")
		fmt.Fprintf(&b, "<html><body><h1>mailtest</h1><p>%s</p></body></html>\r\n", text)
	} else {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
		b.WriteString(text + "\r\n")
	}
	headerLen := strings.Index(b.String(), "\r\n\r\n") + 4
	pad(&b, o.Size-(b.Len()-headerLen))
	return []byte(b.String())
}

// pad adds n bytes of body as lines of at most 78 characters (RFC 5322
// §2.1.1), the last line shortened to land on n (one byte short when
// only one is left: a line needs its CRLF).
func pad(b *strings.Builder, n int) {
	const line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd" // 76
	for n > 0 {
		switch {
		case n >= len(line)+2:
			b.WriteString(line + "\r\n")
			n -= len(line) + 2
		case n >= 2:
			b.WriteString(line[:n-2] + "\r\n")
			n = 0
		default:
			// A single byte cannot make a CRLF-ended line: the body
			// stays one byte short rather than end without CRLF.
			n = 0
		}
	}
}

// dataTime is the extra time allowed to send a body of size bytes: at least
// 1 MB a second, so a large /SIZE does not time out on a slow link.
func dataTime(size int) time.Duration {
	return time.Duration(size/(1<<20)+1) * time.Second
}
