package mxa

import (
	"reflect"
	"testing"
)

func TestParseReplyLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		code int
		more bool
		text string
		ok   bool
	}{
		{"250 OK", 250, false, "OK", true},
		{"250-PIPELINING", 250, true, "PIPELINING", true},
		{"354", 354, false, "", true},
		{"220 ", 220, false, "", true},
		{"25O OK", 0, false, "", false},
		{"250xOK", 0, false, "", false},
		{"199 no", 0, false, "", false},
		{"600 no", 0, false, "", false},
		{"", 0, false, "", false},
	}
	for _, tc := range tests {
		code, more, text, ok := parseReplyLine(tc.line)
		if code != tc.code || more != tc.more || text != tc.text || ok != tc.ok {
			t.Errorf("parseReplyLine(%q) = %d %v %q %v", tc.line, code, more, text, ok)
		}
	}
}

func TestSplitEnh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code      int
		text      string
		enh, rest string
	}{
		{550, "5.1.1 no such user", "5.1.1", "no such user"},
		{550, "4.1.1 wrong class", "", "4.1.1 wrong class"},
		{250, "2.0.0", "2.0.0", ""},
		{451, "4.4.10 x", "4.4.10", "x"},
		{451, "4.4.1000 x", "", "4.4.1000 x"},
		{250, "2.0 OK", "", "2.0 OK"},
		{250, "OK", "", "OK"},
	}
	for _, tc := range tests {
		enh, rest := splitEnh(tc.code, tc.text)
		if enh != tc.enh || rest != tc.rest {
			t.Errorf("splitEnh(%d, %q) = %q %q", tc.code, tc.text, enh, rest)
		}
	}
}

func TestResultRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*Reply{
		{Code: 550, Enh: "5.1.1", Lines: []string{"no such user"}, Host: "mx.example.org[192.0.2.1]"},
		{Code: 451, Enh: "4.4.1", Lines: []string{"connection to x[192.0.2.1] port 25 refused"}},
		{Code: 421, Lines: []string{"busy"}, Host: "a[::1]"},
		{Code: 250, Enh: "2.0.0", Host: "h[192.0.2.2]"},
	} {
		if got := parseResult(formatResult(r), false); !reflect.DeepEqual(got, r) {
			t.Errorf("round trip of %+v gave %+v", r, got)
		}
	}
	if r := parseResult("edited by hand", true); r.Code != 554 || r.Status() != "5.0.0" {
		t.Errorf("free text: %+v", r)
	}
}

// FuzzParseResult: whatever the .auth holds, parseResult gives a reply whose
// rendering reads back the same.
func FuzzParseResult(f *testing.F) {
	for _, s := range []string{"mx[192.0.2.1] said: 550 5.1.1 no", "451 4.4.1 refused", "", "x said: y", "250", "999 no"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, failed bool) {
		r := parseResult(s, failed)
		if r.Code < 200 || r.Code > 599 {
			t.Fatalf("code %d from %q", r.Code, s)
		}
		if r.Enh != "" && !validEnh(r.Enh) {
			t.Fatalf("enhanced status %q from %q", r.Enh, s)
		}
		again := parseResult(formatResult(r), failed)
		if formatResult(again) != formatResult(r) {
			t.Fatalf("%q: %q then %q", s, formatResult(r), formatResult(again))
		}
	})
}

// FuzzReplyLine: a reply line parses consistently.
func FuzzReplyLine(f *testing.F) {
	for _, s := range []string{"250 OK", "250-X", "354", "5.5.5", "550 5.1.1 x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, more, text, ok := parseReplyLine(s)
		if !ok {
			return
		}
		if code < 200 || code > 599 || (more && s[3] != '-') || len(text) > len(s) {
			t.Fatalf("%q: %d %v %q", s, code, more, text)
		}
		enh, _ := splitEnh(code, text)
		if enh != "" && (!validEnh(enh) || int(enh[0]-'0') != code/100) {
			t.Fatalf("%q: enhanced status %q", s, enh)
		}
	})
}

// TestReplyError: a reply renders on one line, its parts separated by one
// space and its lines by " / ", with nothing left over for parts it lacks.
func TestReplyError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r    Reply
		want string
	}{
		{Reply{Code: 550, Enh: "5.1.1", Lines: []string{"no such user", "try again"}}, "550 5.1.1 no such user / try again"},
		{Reply{Code: 550, Enh: "5.1.1"}, "550 5.1.1"},
		{Reply{Code: 421}, "421"},
		{Reply{Code: 250, Lines: []string{"OK"}}, "250 OK"},
	} {
		if got := c.r.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
}
