package mda

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"strings"
)

// maxHeader bounds how much of a message's header section the MDA reads
// into memory. Past it the rest of the message is copied as it is (a
// Return-Path further down is then kept).
const maxHeader = 128 << 10

// header is what the MDA needs from the top of a message: the header
// section without its Return-Path fields, where the rest starts, and the
// subject for scripts.
type header struct {
	kept    []byte // the header fields before bodyOff, Return-Path removed
	bodyOff int64  // offset of the first byte copied unchanged
	subject string // the Subject field, unfolded and decoded
	hasGUID bool   // an X-GUID field (the tracking id) is there already
}

// readHeader reads the header section of a message (RFC 5322 §2.2) from r.
// It stops at the blank line that ends it, at the first line that is
// neither a field nor a continuation (a message without a header section),
// or after maxHeader bytes; everything from there on is left for copying.
// Return-Path fields are dropped: the delivering server writes its own
// (RFC 5321 §4.4 lets it remove any already there).
func readHeader(r io.Reader) (header, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxHeader), 16<<10)
	var h header
	var off int64
	dropping := false // inside a field being removed (its continuation lines)
	var subject []byte
	inSubject := false
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: stop filtering here.
			h.bodyOff = off
			break
		}
		if err == io.EOF {
			// The end of the message or of the limit, mid-line: copy the
			// rest unchanged.
			h.bodyOff = off
			break
		}
		if err != nil {
			return header{}, err
		}
		folded := line[0] == ' ' || line[0] == '\t'
		switch {
		case folded:
			if inSubject {
				subject = append(subject, line...)
			}
		case isBlank(line):
			h.bodyOff = off
			return h.finish(subject), nil
		default:
			name, colon, ok := fieldName(line)
			if !ok {
				h.bodyOff = off
				return h.finish(subject), nil
			}
			dropping = strings.EqualFold(name, "Return-Path")
			h.hasGUID = h.hasGUID || strings.EqualFold(name, guidField)
			inSubject = subject == nil && strings.EqualFold(name, "Subject")
			if inSubject {
				subject = append([]byte{}, line[colon+1:]...)
			}
		}
		if !dropping {
			h.kept = append(h.kept, line...)
		}
		off += int64(len(line))
	}
	return h.finish(subject), nil
}

func (h header) finish(subject []byte) header {
	if subject != nil {
		h.subject = decodeSubject(subject)
	}
	return h
}

func isBlank(line []byte) bool {
	return string(line) == "\r\n" || string(line) == "\n"
}

// fieldName returns the name of the header field that starts line and the
// index of its colon: printable ASCII except ":" up to the colon (RFC 5322
// §2.2), allowing the obsolete white space before the colon (§4.5.3). ok is
// false for any other line.
func fieldName(line []byte) (name string, colon int, ok bool) {
	colon = bytes.IndexByte(line, ':')
	if colon <= 0 {
		return "", 0, false
	}
	n := bytes.TrimRight(line[:colon], " \t")
	if len(n) == 0 {
		return "", 0, false
	}
	for _, c := range n {
		if c < 33 || c > 126 {
			return "", 0, false
		}
	}
	return string(n), colon, true
}

// decodeSubject unfolds a Subject field's value (RFC 5322 §2.2.3), decodes
// its encoded words (RFC 2047) where it can, and keeps it to one line of
// printable text, fit for an environment variable.
func decodeSubject(raw []byte) string {
	s := strings.TrimSpace(strings.NewReplacer("\r\n", "", "\n", "").Replace(string(raw)))
	dec := new(mime.WordDecoder)
	if d, err := dec.DecodeHeader(s); err == nil {
		s = d
	}
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 998 { // RFC 5322 §2.1.1: no line is longer
		s = strings.ToValidUTF8(s[:998], "")
	}
	return s
}

// guidField carries a message's tracking id, as the SMTP server writes it.
const guidField = "X-GUID"

// deliveryHeader returns the fields the MDA puts on top of a copy: the
// sender (RFC 5321 §4.4 Return-Path, "<>" for the null sender), the
// mailbox it was delivered to, the address as received when an alias
// changed it, and the message's tracking id when the message lacks it (a
// set another program dropped). The addresses were checked by the planner;
// oneLine is a second guard, as an escaped .auth value may decode to any
// byte.
func deliveryHeader(sender string, t target, tracking string, hasGUID bool) []byte {
	var b bytes.Buffer
	b.WriteString("Return-Path: <" + oneLine(sender) + ">\r\n")
	b.WriteString("Delivered-To: " + oneLine(t.addr) + "\r\n")
	if t.orig != "" {
		b.WriteString("X-Original-To: " + oneLine(t.orig) + "\r\n")
	}
	if tracking != "" && !hasGUID {
		b.WriteString(guidField + ": " + oneLine(tracking) + "\r\n")
	}
	return b.Bytes()
}

// oneLine drops anything that could end a header line early.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
