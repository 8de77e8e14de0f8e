package mda

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadHeader(t *testing.T) {
	t.Parallel()
	long := "X-Long: " + strings.Repeat("a", 20<<10) + "\r\n"
	cases := []struct {
		name, msg string
		kept      string // the header fields kept
		rest      string // what is copied unchanged after them
		subject   string
	}{
		{name: "return-path removed",
			msg:  "Return-Path: <a@b.example>\r\nFrom: x\r\n\r\nbody\r\n",
			kept: "From: x\r\n", rest: "\r\nbody\r\n"},
		{name: "folded and repeated return-path removed",
			msg:  "From: x\r\nreturn-path:\r\n <a@b.example>\r\nRETURN-PATH : <c@d.example>\r\nTo: y\r\n\r\nbody\r\n",
			kept: "From: x\r\nTo: y\r\n", rest: "\r\nbody\r\n"},
		{name: "return-path in the body kept",
			msg:  "From: x\r\n\r\nReturn-Path: <a@b.example>\r\n",
			kept: "From: x\r\n", rest: "\r\nReturn-Path: <a@b.example>\r\n"},
		{name: "similar names kept",
			msg:  "Return-Path-X: 1\r\nX-Return-Path: 2\r\n\r\n",
			kept: "Return-Path-X: 1\r\nX-Return-Path: 2\r\n", rest: "\r\n"},
		{name: "no header section",
			msg:  "just text\r\nReturn-Path: <a@b.example>\r\n",
			kept: "", rest: "just text\r\nReturn-Path: <a@b.example>\r\n"},
		{name: "header section without end",
			msg:  "Subject: hi\r\nReturn-Path: <a@b.example>\r\nFrom: x",
			kept: "Subject: hi\r\n", rest: "From: x", subject: "hi"},
		{name: "bare LF lines",
			msg:  "Return-Path: <a@b.example>\nSubject: lf\n\nbody\n",
			kept: "Subject: lf\n", rest: "\nbody\n", subject: "lf"},
		{name: "empty message", msg: "", kept: "", rest: ""},
		{name: "line too long stops filtering",
			msg:  "From: x\r\n" + long + "Return-Path: <a@b.example>\r\n\r\n",
			kept: "From: x\r\n", rest: long + "Return-Path: <a@b.example>\r\n\r\n"},
		{name: "subject decoded and unfolded",
			msg:  "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n  aus =?UTF-8?B?S8O2bG4=?=\r\n\r\n",
			kept: "Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=\r\n  aus =?UTF-8?B?S8O2bG4=?=\r\n", rest: "\r\n",
			subject: "Grüße  aus Köln"},
		{name: "first subject wins, controls blanked",
			msg:  "Subject: a\x01b\r\nSubject: second\r\n\r\n",
			kept: "Subject: a\x01b\r\nSubject: second\r\n", rest: "\r\n", subject: "a b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, err := readHeader(strings.NewReader(c.msg))
			if err != nil {
				t.Fatal(err)
			}
			if string(h.kept) != c.kept || c.msg[h.bodyOff:] != c.rest {
				t.Fatalf("kept %q, rest %q\nwant %q, %q", h.kept, c.msg[h.bodyOff:], c.kept, c.rest)
			}
			if h.subject != c.subject {
				t.Fatalf("subject %q, want %q", h.subject, c.subject)
			}
		})
	}
}

// TestReadHeaderLimit: a header section longer than maxHeader is filtered
// up to the limit and copied unchanged after it.
func TestReadHeaderLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for b.Len() < maxHeader+1000 {
		b.WriteString("X-Filler: 0123456789012345678901234567890123456789\r\n")
	}
	msg := "Return-Path: <a@b.example>\r\n" + b.String() + "Return-Path: <late@b.example>\r\n\r\nbody"
	h, err := readHeader(strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(h.kept, []byte("Return-Path")) || h.bodyOff > maxHeader {
		t.Fatalf("kept %d bytes, body at %d", len(h.kept), h.bodyOff)
	}
	if got := string(h.kept) + msg[h.bodyOff:]; got != msg[len("Return-Path: <a@b.example>\r\n"):] {
		t.Fatal("bytes lost or changed past the limit")
	}
}

// FuzzReadHeader checks the properties of the filter on any input: what
// is kept plus what is copied is the message minus whole Return-Path
// fields, and filtering the result again changes nothing.
func FuzzReadHeader(f *testing.F) {
	for _, s := range []string{
		"Return-Path: <a@b>\r\nFrom: x\r\n\r\nbody",
		"From: x\r\nreturn-path :\r\n\t<a@b>\r\nTo: y\r\n\r\n",
		"no header\r\n",
		"Subject: =?UTF-8?Q?a?=\r\n\r\n",
		" folded first\r\nReturn-Path: x\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, err := readHeader(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if h.bodyOff < 0 || h.bodyOff > int64(len(msg)) || int64(len(h.kept)) > h.bodyOff {
			t.Fatalf("bodyOff %d, kept %d, len %d", h.bodyOff, len(h.kept), len(msg))
		}
		checkOnlyReturnPathRemoved(t, msg[:h.bodyOff], h.kept)
		out := append(append([]byte{}, h.kept...), msg[h.bodyOff:]...)
		h2, err := readHeader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h2.kept, out[:h2.bodyOff]) {
			t.Fatalf("filtering twice removed more: %q", out)
		}
		if strings.ContainsAny(h.subject, "\r\n\x00") {
			t.Fatalf("subject %q is not one line", h.subject)
		}
	})
}

// checkOnlyReturnPathRemoved checks that kept is head with zero or more
// Return-Path fields (with their continuation lines) taken out.
func checkOnlyReturnPathRemoved(t *testing.T, head, kept []byte) {
	t.Helper()
	lines := bytes.SplitAfter(head, []byte("\n"))
	var want []byte
	dropping := false
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if l[0] != ' ' && l[0] != '\t' {
			name, _, _ := bytes.Cut(l, []byte(":"))
			dropping = strings.EqualFold(strings.TrimRight(string(name), " \t"), "return-path")
		}
		if !dropping {
			want = append(want, l...)
		}
	}
	if !bytes.Equal(want, kept) {
		t.Fatalf("kept %q, want %q", kept, want)
	}
}
