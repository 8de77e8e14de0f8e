package mxa

import (
	"reflect"
	"testing"
)

// TestReplyClassEdges: RFC 5321 §4.2.1 at the edges of each class. A 2yz or
// 3yz reply is positive; only a 5yz one is permanent; the status of a reply
// without an enhanced code is its class's x.0.0 (RFC 3463 §3).
func TestReplyClassEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code                int
		positive, temporary bool
		status              string
	}{
		{199, false, true, "2.0.0"},
		{200, true, true, "2.0.0"},
		{399, true, true, "2.0.0"},
		{400, false, true, "4.0.0"},
		{499, false, true, "4.0.0"},
		{500, false, false, "5.0.0"},
		{599, false, false, "5.0.0"},
		{600, false, true, "5.0.0"},
	}
	for _, c := range cases {
		r := &Reply{Code: c.code}
		if r.Positive() != c.positive || r.Temporary() != c.temporary || r.Status() != c.status {
			t.Errorf("%d: positive %v, temporary %v, status %s; want %v, %v, %s",
				c.code, r.Positive(), r.Temporary(), r.Status(), c.positive, c.temporary, c.status)
		}
	}
}

// TestReplyLineEdges: reply lines with the lowest and highest codes, and
// the digit 9, are read; codes just outside 200-599 are not.
func TestReplyLineEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line string
		code int
		ok   bool
	}{
		{"200 ok", 200, true},
		{"599 no", 599, true},
		{"299 ok", 299, true},
		{"199 no", 0, false},
		{"600 no", 0, false},
		{"2:0 no", 0, false}, // ':' follows '9'
		{"2/0 no", 0, false}, // '/' precedes '0'
	}
	for _, c := range cases {
		code, _, _, ok := parseReplyLine(c.line)
		if code != c.code || ok != c.ok {
			t.Errorf("parseReplyLine(%q) = %d, %v; want %d, %v", c.line, code, ok, c.code, c.ok)
		}
	}
}

// TestEnhancedCodeEdges: subject and detail are one to three digits
// (RFC 3463 §2), the digit 9 included; a text that starts with a space has
// no enhanced code.
func TestEnhancedCodeEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code      int
		text      string
		enh, rest string
	}{
		{550, "5.999.999 x", "5.999.999", "x"},
		{550, "5.9.9 x", "5.9.9", "x"},
		{550, "5.1.1000 x", "", "5.1.1000 x"},
		{550, "5.1000.1 x", "", "5.1000.1 x"},
		{550, "5.1.: x", "", "5.1.: x"},
		{550, " 5.1.1 x", "", " 5.1.1 x"},
	}
	for _, c := range cases {
		enh, rest := splitEnh(c.code, c.text)
		if enh != c.enh || rest != c.rest {
			t.Errorf("splitEnh(%d, %q) = %q, %q; want %q, %q", c.code, c.text, enh, rest, c.enh, c.rest)
		}
	}
}

// TestParseResultEdges: the Result field read back at the edges of its
// forms: codes 200 and 599 are replies, 199 and 600 free text; a bare code
// is a reply without text; a leading " said: " names no host.
func TestParseResultEdges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		want Reply
	}{
		{"200 2.0.0 ok", Reply{Code: 200, Enh: "2.0.0", Lines: []string{"ok"}}},
		{"599 5.0.0 no", Reply{Code: 599, Enh: "5.0.0", Lines: []string{"no"}}},
		{"199 no", Reply{Code: 451, Enh: "4.0.0", Lines: []string{"199 no"}}},
		{"600 no", Reply{Code: 451, Enh: "4.0.0", Lines: []string{"600 no"}}},
		{"421", Reply{Code: 421}},
		{"421 ", Reply{Code: 421}},
		{"42", Reply{Code: 451, Enh: "4.0.0", Lines: []string{"42"}}},
		{" said: 550 5.1.1 no", Reply{Code: 451, Enh: "4.0.0", Lines: []string{" said: 550 5.1.1 no"}}},
		{"h[192.0.2.1] said: 550 5.1.1 no", Reply{Code: 550, Enh: "5.1.1", Lines: []string{"no"}, Host: "h[192.0.2.1]"}},
	}
	for _, c := range cases {
		if got := parseResult(c.s, false); !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseResult(%q) = %+v, want %+v", c.s, *got, c.want)
		}
	}
}
