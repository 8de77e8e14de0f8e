package smtp

import (
	"bytes"
	"net/netip"
	"strings"
	"time"
)

// fieldSet marks header fields that FixHeaders looks for.
type fieldSet uint8

const (
	fieldDate fieldSet = 1 << iota
	fieldMessageID
	fieldFrom
	fieldTo
	fieldSubject
)

// fixedFields are the fields FixHeaders adds when missing, in the order
// they are added.
var fixedFields = []struct {
	bit  fieldSet
	name string
}{
	{fieldDate, "Date"}, {fieldMessageID, "Message-ID"}, {fieldFrom, "From"},
	{fieldTo, "To"}, {fieldSubject, "Subject"},
}

// headerScan reads the header block at the start of a message (RFC 5322
// §2.2) incrementally: feed it the growing buffer (DATA's decoded lines end
// in CRLF; in BDAT's raw octets a line may end in a bare LF) until done. It
// never looks at a byte twice, so a header sent a few bytes at a time costs
// no more to scan than one sent at once.
type headerScan struct {
	pos      int  // bytes of the buffer scanned: whole lines of the header block
	done     bool // the block's end was found
	blank    bool // it ended with an empty line, at pos
	inField  bool // the last line scanned belongs to a field
	dropping bool // ... and that field is being dropped
	received int  // Received: fields seen (RFC 5321 §6.3 loop detection)
	has      fieldSet
	drop     [][2]int // spans [start, end) of fields to leave out
}

// scan goes on from where it stopped. eof says buf holds the whole
// message. The block ends at an empty line, at a line that is no header
// field (a telnet user who typed the body at once: the caller inserts the
// empty line), or at the end of the message.
func (h *headerScan) scan(buf []byte, eof bool) {
	for !h.done {
		nl := bytes.IndexByte(buf[h.pos:], '\n')
		if nl < 0 {
			h.done = eof // at EOF every line is complete: all header
			return
		}
		line := buf[h.pos : h.pos+nl+1]
		content := bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
		switch {
		case len(content) == 0:
			h.done, h.blank = true, true
			return
		case content[0] == ' ' || content[0] == '\t':
			if !h.inField {
				h.done = true // not a continuation of anything: the body
				return
			}
			if h.dropping {
				h.drop[len(h.drop)-1][1] = h.pos + len(line)
			}
		default:
			name, ok := fieldName(content)
			if !ok {
				h.done = true
				return
			}
			h.inField = true
			h.dropping = h.classify(name)
			if h.dropping {
				h.drop = append(h.drop, [2]int{h.pos, h.pos + len(line)})
			}
		}
		h.pos += len(line)
	}
}

// classify counts the field and reports whether it is to be dropped: a
// client's Return-Path is replaced by ours (RFC 5321 §4.4).
func (h *headerScan) classify(name string) bool {
	switch strings.ToLower(name) {
	case "received":
		h.received++
	case "date":
		h.has |= fieldDate
	case "message-id":
		h.has |= fieldMessageID
	case "from":
		h.has |= fieldFrom
	case "to":
		h.has |= fieldTo
	case "subject":
		h.has |= fieldSubject
	case "return-path":
		return true
	}
	return false
}

// fieldName returns the name of a header field line: printable ASCII other
// than ':' up to the colon (RFC 5322 §2.2), allowing blanks before the colon
// (obs-optional, §4.5).
func fieldName(line []byte) (string, bool) {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	j := i
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	if i == 0 || j == len(line) || line[j] != ':' {
		return "", false
	}
	return string(line[:i]), true
}

// trace holds what the added header fields say about a message.
type trace struct {
	host     string // HostName
	helo     string
	ip       netip.Addr
	proto    string // SMTP, ESMTP or ESMTPA (RFC 3848)
	id       string // the queue id
	tracking string
	from     string   // "" for the null sender
	rcpts    []string // "for" is written only for one recipient
	now      time.Time
	box      string // direct filing: the mailbox (direct.go)
	orig     string // direct filing: the recipient as received, if box differs
}

// appendTrace appends Return-Path, Received (RFC 5321 §4.4) and the
// tracking id field.
func (t *trace) appendTrace(b []byte) []byte {
	b = append(b, "Return-Path: <"...)
	b = append(b, t.from...)
	b = append(b, ">\r\nReceived: from "...)
	b = append(b, headerSafe(t.helo, 255)...)
	b = append(b, " ("...)
	b = append(b, addressLiteral(t.ip)...)
	b = append(b, ")\r\n\tby "...)
	b = append(b, t.host...)
	b = append(b, " (mailq) with "...)
	b = append(b, t.proto...)
	b = append(b, " id "...)
	b = append(b, t.id...)
	if len(t.rcpts) == 1 {
		b = append(b, "\r\n\tfor <"...)
		b = append(b, t.rcpts[0]...)
		b = append(b, '>')
	}
	b = append(b, ";\r\n\t"...)
	b = t.now.AppendFormat(b, time.RFC1123Z)
	b = append(b, "\r\nX-GUID: "...)
	b = append(b, t.tracking...)
	return append(b, "\r\n"...)
}

// appendFixes appends the fields FixHeaders adds for those missing from
// has, and a field that says which were added; nothing if none is missing.
func (t *trace) appendFixes(b []byte, has fieldSet) []byte {
	var added []string
	for _, f := range fixedFields {
		if has&f.bit != 0 {
			continue
		}
		added = append(added, f.name)
		b = append(b, f.name...)
		b = append(b, ": "...)
		switch f.bit {
		case fieldDate:
			b = t.now.AppendFormat(b, time.RFC1123Z)
		case fieldMessageID:
			b = append(b, '<')
			b = append(b, strings.ToLower(t.tracking)...)
			b = append(b, '@')
			b = append(b, t.host...)
			b = append(b, '>')
		case fieldFrom:
			if t.from != "" {
				b = append(b, t.from...)
			} else {
				b = append(b, "MAILER-DAEMON@"...)
				b = append(b, t.host...)
			}
		case fieldTo:
			b = append(b, "undisclosed-recipients:;"...) // RFC 5322 §A.1.3
		case fieldSubject:
			b = append(b, "Unspecified subject"...)
		}
		b = append(b, "\r\n"...)
	}
	if len(added) == 0 {
		return b
	}
	b = append(b, "X-Fixed-Header: mailq added "...)
	b = append(b, strings.Join(added, ", ")...)
	return append(b, "\r\n"...)
}

// addressLiteral writes ip as an RFC 5321 §4.1.3 address literal.
func addressLiteral(ip netip.Addr) string {
	switch {
	case !ip.IsValid():
		return "[unknown]"
	case ip.Is4():
		return "[" + ip.String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}

// headerSafe keeps a client-supplied word fit for a header: printable ASCII
// without the characters that would end or nest a comment, at most n bytes.
func headerSafe(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	b := []byte(s)
	for i, c := range b {
		if c <= ' ' || c >= 0x7f || c == '(' || c == ')' || c == ';' || c == '\\' {
			b[i] = '_'
		}
	}
	return string(b)
}
