package address

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseArg(t *testing.T) {
	t.Parallel()
	type parse func(string) (Arg, error)
	mail, rcpt := ParseMailArg, ParseRcptArg
	ab := Path{Mailbox: Mailbox{"a", "b.org"}}
	cases := []struct {
		name    string
		fn      parse
		in      string
		want    Arg
		wantErr error
	}{
		{name: "plain", fn: mail, in: "<a@b.org>", want: Arg{Path: ab}},
		{name: "space after colon", fn: mail, in: " <a@b.org>", want: Arg{Path: ab}},
		{name: "blanks after colon", fn: rcpt, in: " \t <a@b.org>", want: Arg{Path: ab}},
		{name: "null sender", fn: mail, in: "<>", want: Arg{Path: Path{Null: true}}},
		{name: "null sender params", fn: mail, in: "<> SIZE=0", want: Arg{Path: Path{Null: true}, Params: Params{{"SIZE", "0"}}}},
		{name: "params", fn: mail, in: "<a@b.org> SIZE=123 BODY=8BITMIME", want: Arg{Path: ab, Params: Params{{"SIZE", "123"}, {"BODY", "8BITMIME"}}}},
		{name: "keyword case", fn: mail, in: "<a@b.org> size=123 smtputf8", want: Arg{Path: ab, Params: Params{{"SIZE", "123"}, {"SMTPUTF8", ""}}}},
		{name: "extra spaces", fn: mail, in: "<a@b.org>  SIZE=1   AUTH=<>  ", want: Arg{Path: ab, Params: Params{{"SIZE", "1"}, {"AUTH", "<>"}}}},
		{name: "quoted space", fn: rcpt, in: `<"a b"@x> NOTIFY=NEVER`, want: Arg{Path: Path{Mailbox: Mailbox{"a b", "x"}}, Params: Params{{"NOTIFY", "NEVER"}}}},
		{name: "quoted gt", fn: rcpt, in: `<"a> b"@x> X=1`, want: Arg{Path: Path{Mailbox: Mailbox{"a> b", "x"}}, Params: Params{{"X", "1"}}}},
		{name: "quoted escaped quote", fn: rcpt, in: `<"a\"> b"@x>`, want: Arg{Path: Path{Mailbox: Mailbox{`a"> b`, "x"}}}},
		{name: "bare", fn: mail, in: " admin@localhost.com", want: Arg{Path: Path{Mailbox: Mailbox{"admin", "localhost.com"}}, Bare: true}},
		{name: "bare params", fn: mail, in: "a@b.org SIZE=5", want: Arg{Path: ab, Params: Params{{"SIZE", "5"}}, Bare: true}},
		{name: "bare quoted", fn: rcpt, in: `"a b"@x`, want: Arg{Path: Path{Mailbox: Mailbox{"a b", "x"}}, Bare: true}},
		{name: "postmaster rcpt", fn: rcpt, in: "<Postmaster>", want: Arg{Path: Path{Mailbox: Mailbox{Local: "Postmaster"}, Postmaster: true}}},
		{name: "bare postmaster rcpt", fn: rcpt, in: "postmaster", want: Arg{Path: Path{Mailbox: Mailbox{Local: "postmaster"}, Postmaster: true}, Bare: true}},
		{name: "value range ends", fn: mail, in: "<a@b.org> X=!~", want: Arg{Path: ab, Params: Params{{"X", "!~"}}}},
		{name: "route", fn: rcpt, in: "<@r.org:a@b.org>", want: Arg{Path: ab}},

		{name: "empty", fn: mail, in: "", wantErr: ErrSyntax},
		{name: "blank", fn: mail, in: "  ", wantErr: ErrSyntax},
		{name: "postmaster sender", fn: mail, in: "<Postmaster>", wantErr: ErrSyntax},
		{name: "null rcpt", fn: rcpt, in: "<>", wantErr: ErrSyntax},
		{name: "unclosed", fn: mail, in: "<a@b.org SIZE=1", wantErr: ErrSyntax},
		{name: "unclosed quote", fn: mail, in: `<"a@b.org> SIZE=1`, wantErr: ErrSyntax},
		{name: "no space before params", fn: mail, in: "<a@b.org>SIZE=1", wantErr: ErrSyntax},
		{name: "bad path", fn: mail, in: "<a@@b> SIZE=1", wantErr: ErrSyntax},
		{name: "non-ascii path", fn: rcpt, in: "<ö@b>", wantErr: ErrNonASCII},
		{name: "empty value", fn: mail, in: "<a@b.org> SIZE=", wantErr: ErrParam},
		{name: "value with equals", fn: mail, in: "<a@b.org> X=a=b", wantErr: ErrParam},
		{name: "keyword dash first", fn: mail, in: "<a@b.org> -X=1", wantErr: ErrParam},
		{name: "keyword underscore", fn: mail, in: "<a@b.org> X_Y=1", wantErr: ErrParam},
		{name: "duplicate", fn: mail, in: "<a@b.org> SIZE=1 size=2", wantErr: ErrParam},
		{name: "control in value", fn: mail, in: "<a@b.org> X=a\x01", wantErr: ErrParam},
		{name: "8-bit value", fn: mail, in: "<a@b.org> X=\xff", wantErr: ErrParam},
		{name: "tab separator", fn: mail, in: "<a@b.org>\tSIZE=1", wantErr: ErrSyntax},
		{name: "too long", fn: rcpt, in: "<a@" + strings.Repeat("b", 300) + ">", wantErr: ErrTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.fn(c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("parse(%q) = %+v, %v; want %v", c.in, got, err, c.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("parse(%q) = %+v, %v\nwant %+v", c.in, got, err, c.want)
			}
		})
	}
}

func TestParamsGet(t *testing.T) {
	t.Parallel()
	ps := Params{{"SIZE", "10"}, {"SMTPUTF8", ""}}
	if v, ok := ps.Get("size"); !ok || v != "10" {
		t.Errorf(`Get("size") = %q, %v`, v, ok)
	}
	if v, ok := ps.Get("SMTPUTF8"); !ok || v != "" {
		t.Errorf(`Get("SMTPUTF8") = %q, %v`, v, ok)
	}
	if _, ok := ps.Get("BODY"); ok {
		t.Error(`Get("BODY") found a parameter that is not there`)
	}
}

// FuzzParseRcptArg checks that an accepted argument renders back (path, then
// parameters) to text that parses to the same Arg, and that no parameter
// carries a space, '=' in its value, or a control character.
func FuzzParseRcptArg(f *testing.F) {
	for _, s := range []string{
		"<a@b.org>", " <a@b.org> NOTIFY=NEVER ORCPT=rfc822;a@b.org", `<"a> b"@x> X=1`,
		"postmaster", "<Postmaster>", "a@b SIZE=1", "<a@b>SIZE=1", "<> X",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := ParseRcptArg(in)
		if err != nil {
			return
		}
		text := a.Path.String()
		for _, p := range a.Params {
			if !isKeyword(p.Keyword) || p.Keyword != strings.ToUpper(p.Keyword) {
				t.Fatalf("ParseRcptArg(%q): bad keyword %q", in, p.Keyword)
			}
			text += " " + p.Keyword
			if p.Value != "" {
				if !isParamValue(p.Value) {
					t.Fatalf("ParseRcptArg(%q): bad value %q", in, p.Value)
				}
				text += "=" + p.Value
			}
		}
		back, err := ParseRcptArg(text)
		a.Bare = false
		if err != nil || !reflect.DeepEqual(back, a) {
			t.Fatalf("ParseRcptArg(%q) = %+v renders %q, which parses to %+v, %v", in, a, text, back, err)
		}
	})
}
