package address

import (
	"errors"
	"testing"
)

// TestParseUTF8 checks the paths of a transaction under SMTPUTF8 (RFC
// 6531 §3.3): UTF-8 local parts (put in NFC) and U-label domains (turned
// into their A-label), refused without SMTPUTF8, and refused when the
// UTF-8 or the IDNA name is bad.
func TestParseUTF8(t *testing.T) {
	t.Parallel()
	ok := []struct{ in, local, domain, str string }{
		{"<jörg@bücher.example>", "jörg", "xn--bcher-kva.example", "jörg@xn--bcher-kva.example"},
		{"<jörg@xn--bcher-kva.example>", "jörg", "xn--bcher-kva.example", "jörg@xn--bcher-kva.example"},
		{"<JÖRG@BÜCHER.example>", "JÖRG", "xn--bcher-kva.example", "JÖRG@xn--bcher-kva.example"},
		{"<jo\u0308rg@x.example>", "jörg", "x.example", "jörg@x.example"}, // NFD in, NFC out
		{"<用户@例子.测试>", "用户", "xn--fsqu00a.xn--0zwm56d", "用户@xn--fsqu00a.xn--0zwm56d"},
		{"<\"jörg smith\"@x.example>", "jörg smith", "x.example", "\"jörg smith\"@x.example"},
		{"<ascii@x.example>", "ascii", "x.example", "ascii@x.example"},
	}
	for _, c := range ok {
		a, err := ParseRcptArgUTF8(c.in)
		if err != nil {
			t.Errorf("ParseRcptArgUTF8(%q): %v", c.in, err)
			continue
		}
		m := a.Path.Mailbox
		if m.Local != c.local || m.Domain != c.domain || m.String() != c.str {
			t.Errorf("ParseRcptArgUTF8(%q) = %q @ %q (%s), want %q @ %q (%s)", c.in, m.Local, m.Domain, m, c.local, c.domain, c.str)
		}
		if m.NeedsUTF8() == isASCII(c.local) {
			t.Errorf("%q: NeedsUTF8 %v", c.in, m.NeedsUTF8())
		}
		if _, err := ParseMailArgUTF8(c.in + " SMTPUTF8"); err != nil {
			t.Errorf("ParseMailArgUTF8(%q): %v", c.in, err)
		}
		if _, err := ParseRcptArg(c.in); isASCII(c.in) != (err == nil) || err != nil && !errors.Is(err, ErrNonASCII) {
			t.Errorf("ParseRcptArg(%q) without SMTPUTF8: %v", c.in, err)
		}
	}
	for _, in := range []string{
		"<j\xf6rg@x.example>",  // Latin-1, not UTF-8
		"<a\u0085b@x.example>", // C1 control
		"<a@b\u00fccher..de>",  // empty label
		"<a@-bücher.de>",       // IDNA: leading hyphen
		"<a@bü\u200dcher.de>",  // IDNA: a joiner where it is not allowed
		"<ö\x00@x>",            // NUL
	} {
		if a, err := ParseRcptArgUTF8(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseRcptArgUTF8(%q) = %+v, %v; want ErrSyntax", in, a, err)
		}
	}
}
