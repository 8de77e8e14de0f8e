package web

import (
	"errors"
	"io"
	"mime"
	"path"
	"strings"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode the usual charsets to UTF-8
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// textLimit caps the text (and, in the API, the HTML) of a message that is
// put into a page or a JSON answer; the rest is cut with a note, and the
// raw source is always there in full.
const textLimit = 1 << 20

func message(h textproto.Header) gomessage.Header { return gomessage.Header{Header: h} }

// addressText is the decoded address list of header key, or its raw text
// if it does not parse.
func addressText(h *mail.Header, key string) string {
	if list, err := h.AddressList(key); err == nil && len(list) > 0 {
		out := make([]string, len(list))
		for i, a := range list {
			out[i] = a.Address
			if a.Name != "" {
				out[i] = a.Name + " <" + a.Address + ">"
			}
		}
		return strings.Join(out, ", ")
	}
	if v, err := h.Text(key); err == nil {
		return v
	}
	return h.Get(key)
}

// Part is one leaf part of a message: a text, an HTML body, an attachment.
// Index counts the leaves in order, from 0; JSON names are part of the API.
type Part struct {
	Index       int    `json:"index"`
	Type        string `json:"type"` // media type, lower-case: text/plain
	Charset     string `json:"charset,omitempty"`
	Filename    string `json:"filename,omitempty"`
	Disposition string `json:"disposition,omitempty"` // inline or attachment, as declared
	ContentID   string `json:"content_id,omitempty"`
	Size        int64  `json:"size"` // decoded bytes
}

// Field is one header field, decoded (RFC 2047) where possible.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Parsed is what a message view needs: the header, the first text part
// (capped), where the first HTML part is, and every part.
type Parsed struct {
	Header        []Field
	Text          string
	TextTruncated bool
	HTMLIndex     int // -1 if none
	HTML          string
	HTMLTruncated bool
	Parts         []Part
	Broken        string // why the MIME structure could not be read to its end
}

// Attachment reports whether p is shown as an attachment rather than as
// the body.
func (p Part) Attachment() bool {
	if p.Disposition == "attachment" || p.Filename != "" {
		return true
	}
	return !strings.HasPrefix(p.Type, "text/") && !strings.HasPrefix(p.Type, "multipart/")
}

// walkLeaves calls fn for every leaf part of the message read from r, in
// order, with its index, header and decoded body; fn may leave the body
// unread. A message whose MIME structure breaks part way reports the
// parts before the break and returns the error.
func walkLeaves(r io.Reader, top func(h gomessage.Header), fn func(i int, h gomessage.Header, body io.Reader) error) error {
	e, err := gomessage.Read(r)
	if e == nil {
		return err
	}
	if top != nil {
		top(e.Header)
	}
	i := 0
	return e.Walk(func(_ []int, ent *gomessage.Entity, err error) error {
		if err != nil && !gomessage.IsUnknownCharset(err) && !gomessage.IsUnknownEncoding(err) {
			return err
		}
		if ent.MultipartReader() != nil {
			return nil
		}
		if err := fn(i, ent.Header, ent.Body); err != nil {
			return err
		}
		i++
		return nil
	})
}

// partOf describes a leaf from its header.
func partOf(i int, h gomessage.Header) Part {
	p := Part{Index: i, Type: "text/plain"}
	if t, params, err := h.ContentType(); err == nil && t != "" {
		p.Type, p.Charset = strings.ToLower(t), params["charset"]
		if n := params["name"]; n != "" {
			p.Filename = n
		}
	}
	if d, params, err := h.ContentDisposition(); err == nil && d != "" {
		p.Disposition = strings.ToLower(d)
		if n := params["filename"]; n != "" {
			p.Filename = n
		}
	}
	if p.Filename != "" {
		if dec, err := new(mime.WordDecoder).DecodeHeader(p.Filename); err == nil {
			p.Filename = dec
		}
		p.Filename = safeFilename(p.Filename)
	}
	p.ContentID = strings.Trim(h.Get("Content-Id"), "<> ")
	return p
}

// safeFilename keeps the last path element of a declared file name and
// drops control characters and quotes, so it can go into a header.
func safeFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '/' || r == ';' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	return name
}

// parseMessage reads a whole message as a stream into what a view needs.
// withHTML also keeps the first HTML part's text (capped). A damaged
// message gives what could be read, with Broken saying why it stopped.
func parseMessage(r io.Reader, withHTML bool) *Parsed {
	p := &Parsed{HTMLIndex: -1}
	gotText := false
	err := walkLeaves(r, func(h gomessage.Header) {
		f := h.Fields()
		for f.Next() {
			v, err := f.Text()
			if err != nil {
				v = f.Value()
			}
			p.Header = append(p.Header, Field{Name: f.Key(), Value: v})
		}
	}, func(i int, h gomessage.Header, body io.Reader) error {
		part := partOf(i, h)
		var n int64
		var err error
		switch {
		case part.Type == "text/plain" && !gotText && !part.Attachment():
			gotText = true
			p.Text, p.TextTruncated, n, err = readCapped(body)
		case part.Type == "text/html" && p.HTMLIndex < 0 && !part.Attachment():
			p.HTMLIndex = i
			if withHTML {
				p.HTML, p.HTMLTruncated, n, err = readCapped(body)
			} else {
				n, err = io.Copy(io.Discard, body)
			}
		default:
			n, err = io.Copy(io.Discard, body)
		}
		part.Size = n
		p.Parts = append(p.Parts, part)
		return err
	})
	if err != nil {
		// What could be read is shown; the raw source has the rest.
		p.Broken = err.Error()
	}
	return p
}

// readCapped reads up to textLimit bytes as text and counts the rest.
func readCapped(r io.Reader) (string, bool, int64, error) {
	var b strings.Builder
	n, err := io.Copy(&b, io.LimitReader(r, textLimit))
	if err != nil {
		return b.String(), false, n, err
	}
	rest, err := io.Copy(io.Discard, r)
	s := b.String()
	if rest > 0 {
		for len(s) > 0 && !utf8.ValidString(s[len(s)-min(len(s), 3):]) {
			s = s[:len(s)-1] // do not end in half a character
		}
	}
	return strings.ToValidUTF8(s, "\uFFFD"), rest > 0, n + rest, err
}

// errNoPart is a part index the message does not have.
var errNoPart = errors.New("web: no such part")

// openPart finds leaf i of the message read from r and calls fn with its
// description and decoded body, streaming.
func openPart(r io.Reader, want int, fn func(p Part, body io.Reader) error) error {
	found := false
	errStop := errors.New("stop")
	err := walkLeaves(r, nil, func(i int, h gomessage.Header, body io.Reader) error {
		if i != want {
			return nil
		}
		found = true
		if err := fn(partOf(i, h), body); err != nil {
			return err
		}
		return errStop
	})
	if errors.Is(err, errStop) {
		return nil
	}
	if !found {
		if err != nil {
			return err
		}
		return errNoPart
	}
	return err
}
