package address

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	local64 := strings.Repeat("l", 64)
	// A 256-octet path: "<" + 64 + "@" + 189 + ">".
	path256 := "<" + local64 + "@" + strings.Repeat("d", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("d", 6) + ">"
	cases := []struct {
		name, in string
		want     Path
		str      string // "" means same as in
		wantErr  error
	}{
		{name: "plain", in: "<admin@localhost.com>", want: Path{Mailbox: Mailbox{"admin", "localhost.com"}}},
		{name: "null", in: "<>", want: Path{Null: true}},
		{name: "postmaster", in: "<Postmaster>", want: Path{Mailbox: Mailbox{Local: "Postmaster"}, Postmaster: true}},
		{name: "postmaster lower", in: "<postmaster>", want: Path{Mailbox: Mailbox{Local: "postmaster"}, Postmaster: true}},
		{name: "postmaster with domain", in: "<postmaster@x.org>", want: Path{Mailbox: Mailbox{"postmaster", "x.org"}}},
		{name: "source route", in: "<@a.org,@b.org:user@c.org>", want: Path{Mailbox: Mailbox{"user", "c.org"}}, str: "<user@c.org>"},
		{name: "one-hop route", in: "<@a:u@c>", want: Path{Mailbox: Mailbox{"u", "c"}}, str: "<u@c>"},
		{name: "quoted space", in: `<"a b"@x>`, want: Path{Mailbox: Mailbox{"a b", "x"}}},
		{name: "quoted gt", in: `<"a>b"@x>`, want: Path{Mailbox: Mailbox{"a>b", "x"}}},
		{name: "quoted dotdot slash", in: `<"../x"@y>`, want: Path{Mailbox: Mailbox{"../x", "y"}}},
		{name: "ipv4 literal", in: "<u@[127.0.0.1]>", want: Path{Mailbox: Mailbox{"u", "[127.0.0.1]"}}},
		{name: "ipv6 literal", in: "<u@[IPv6:::1]>", want: Path{Mailbox: Mailbox{"u", "[IPv6:::1]"}}},
		{name: "256-octet path", in: path256, want: Path{Mailbox: Mailbox{local64, path256[66 : len(path256)-1]}}},

		{name: "no brackets", in: "admin@localhost.com", wantErr: ErrNoBrackets},
		{name: "no brackets is syntax", in: "admin@localhost.com", wantErr: ErrSyntax},
		{name: "open only", in: "<a@b", wantErr: ErrNoBrackets},
		{name: "close only", in: "a@b>", wantErr: ErrNoBrackets},
		{name: "empty", in: "", wantErr: ErrNoBrackets},
		{name: "lone bracket", in: "<", wantErr: ErrNoBrackets},
		{name: "spaces inside", in: "< a@b >", wantErr: ErrSyntax},
		{name: "double brackets", in: "<<a@b>>", wantErr: ErrSyntax},
		{name: "two ats", in: "<a@b@c>", wantErr: ErrSyntax},
		{name: "dotdot", in: "<../x@y>", wantErr: ErrSyntax},
		{name: "dotdot domain", in: "<x@../y>", wantErr: ErrSyntax},
		{name: "trailing dot", in: "<a@b.>", wantErr: ErrSyntax},
		{name: "unquoted space", in: "<a b@x>", wantErr: ErrSyntax},
		{name: "nul", in: "<a\x00@b>", wantErr: ErrSyntax},
		{name: "crlf", in: "<a@b\r\n>", wantErr: ErrSyntax},
		{name: "non-ascii", in: "<ü@x>", wantErr: ErrNonASCII},
		{name: "bare postmaster route", in: "<@a:Postmaster>", wantErr: ErrSyntax},
		{name: "route without colon", in: "<@a,@b>", wantErr: ErrSyntax},
		{name: "route bad domain", in: "<@a..b:u@c>", wantErr: ErrSyntax},
		{name: "route without at", in: "<@a,b:u@c>", wantErr: ErrSyntax},
		{name: "route literal", in: "<@[1.2.3.4]:u@c>", wantErr: ErrSyntax},
		{name: "no domain", in: "<admin>", wantErr: ErrSyntax},
		{name: "65-octet local", in: "<" + strings.Repeat("l", 65) + "@x>", wantErr: ErrTooLong},
		{name: "257-octet path", in: path256[:len(path256)-1] + "d>", wantErr: ErrTooLong},
		{name: "300-octet path", in: "<a@" + strings.Repeat("b", 295) + ">", wantErr: ErrTooLong},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePath(c.in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("ParsePath(%q) = %+v, %v; want %v", c.in, p, err, c.wantErr)
				}
				return
			}
			if err != nil || p != c.want {
				t.Fatalf("ParsePath(%q) = %+v, %v; want %+v", c.in, p, err, c.want)
			}
			str := c.str
			if str == "" {
				str = c.in
			}
			if got := p.String(); got != str {
				t.Fatalf("String() = %q; want %q", got, str)
			}
		})
	}
}

// FuzzParsePath checks that whatever ParsePath accepts is printable ASCII
// within the RFC 5321 limits, and that String renders it to text that parses
// back to the same Path.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"<admin@localhost.com>", "<>", "<Postmaster>", `<"a b"@x>`, `<"a\"b"@x>`,
		"<@a,@b:u@c>", "<u@[IPv6:::1]>", "<u@[1.2.3.4]>", "<a@b@c>", "<../x@y>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePath(in)
		if err != nil {
			return
		}
		for _, s := range []string{p.Mailbox.Local, p.Mailbox.Domain} {
			for i := 0; i < len(s); i++ {
				if s[i] < 0x20 || s[i] >= 0x7f {
					t.Fatalf("ParsePath(%q) accepted byte 0x%02x in %q", in, s[i], s)
				}
			}
		}
		if p.Null != (p.Mailbox == Mailbox{}) {
			t.Fatalf("ParsePath(%q) = %+v: Null disagrees with Mailbox", in, p)
		}
		if !p.Null && !p.Postmaster && (len(p.Mailbox.Domain) > maxDomain || p.Mailbox.Domain == "") {
			t.Fatalf("ParsePath(%q) = %+v: bad domain", in, p)
		}
		out := p.String()
		if len(out) > maxPath {
			t.Fatalf("ParsePath(%q) renders to %d octets", in, len(out))
		}
		back, err := ParsePath(out)
		if err != nil || back != p {
			t.Fatalf("ParsePath(%q) = %+v renders %q, which parses to %+v, %v", in, p, out, back, err)
		}
		if !p.Null && !p.Postmaster {
			m, err := ParseMailbox(p.Mailbox.String())
			if err != nil || m != p.Mailbox {
				t.Fatalf("ParseMailbox(%q) = %+v, %v; want %+v", p.Mailbox.String(), m, err, p.Mailbox)
			}
		}
	})
}
