package testutil

import (
	"bufio"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
)

// ReportParts checks that a message with header h is an RFC 3464 delivery
// status notification (multipart/report; report-type=delivery-status, RFC
// 6522) and returns the Content-Type and text of each part of body.
func ReportParts(t testing.TB, h mail.Header, body io.Reader) (types, bodies []string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "delivery-status" {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return types, bodies
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, part.Header.Get("Content-Type"))
		bodies = append(bodies, string(b))
	}
}

// FieldBlocks splits a message/delivery-status body into its field blocks
// (RFC 3464 §2.1): the per-message block, then one per recipient.
func FieldBlocks(body string) []textproto.MIMEHeader {
	r := textproto.NewReader(bufio.NewReader(strings.NewReader(body)))
	var out []textproto.MIMEHeader
	for {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			return out
		}
	}
}
