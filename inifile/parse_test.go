package inifile

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	data := "\ufeff[USERS] ; header comment\r\n" +
		"plain=value\r\n" +
		"  spaced   =   value with spaces   \r\n" +
		"inline=abc ;comment\r\n" +
		"tabbed=abc\t#comment\r\n" +
		"nospace=abc;def#ghi\r\n" +
		"dq=\"quoted;kept\"\r\n" +
		"dqc=\"a ; b\"\r\n" + // as in ini.v1, the comment is cut before unquoting
		"sq='single'\r\n" +
		"tick=`  raw ; # '\"  ` trailing\r\n" +
		"triple=\"\"\"x\"y\"\"\" tail\r\n" +
		"colon: v1:abc\r\n" +
		"empty=\r\n" +
		"garbage line without delimiter\r\n" +
		"; comment=not an entry\r\n" +
		"# also=not\r\n" +
		"=nokey\r\n" +
		"[Other]\r\n" +
		"plain=other\r\n" +
		"[users]\r\n" +
		"again=yes"
	want := []struct{ k, v string }{
		{"plain", "value"}, {"spaced", "value with spaces"}, {"inline", "abc"},
		{"tabbed", "abc"}, {"nospace", "abc;def#ghi"}, {"dq", "quoted;kept"}, {"dqc", `"a`},
		{"sq", "single"}, {"tick", "  raw ; # '\"  "}, {"triple", `x"y`},
		{"colon", "v1:abc"}, {"empty", ""}, {"again", "yes"},
	}
	got := Parse([]byte(data), "Users")
	if len(got) != len(want) {
		t.Fatalf("got %d entries %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if got[i].Key != w.k || got[i].Value != w.v {
			t.Errorf("entry %d = %q=%q, want %q=%q", i, got[i].Key, got[i].Value, w.k, w.v)
		}
	}
	if es := Parse([]byte(data), "Missing"); len(es) != 0 {
		t.Errorf("missing section gave %+v", es)
	}
}

func TestEncodeValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"v1:abc-_", "v1:abc-_", true},
		{"True", "True", true},
		{"", "", true},
		{"a;b", "a;b", true},
		{" lead", "` lead`", true},
		{"trail ", "`trail `", true},
		{"a ;b", "`a ;b`", true},
		{"a\t#b", "`a\t#b`", true},
		{`"q"`, "`\"q\"`", true},
		{"'q'", "`'q'`", true},
		{`back\`, "`back\\`", true},
		{`"""x`, "`\"\"\"x`", true},
		{"`x", "", false},
		{" `x", "", false},
		{"a\nb", "", false},
		{"a\rb", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := encodeValue(tc.in)
			if tc.ok != (err == nil) || got != tc.want {
				t.Fatalf("encodeValue(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if err == nil && decodeValue(got) != tc.in {
				t.Errorf("decodeValue(%q) = %q, want %q", got, decodeValue(got), tc.in)
			}
		})
	}
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"admin@localhost.com", "a b", "x;y", "o'brien@x"} {
		if err := checkKey(k); err != nil {
			t.Errorf("checkKey(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"", " a", "a ", "a=b", "a:b", "[a", ";a", "#a", `"a`, "`a", "a\nb"} {
		if err := checkKey(k); !errors.Is(err, ErrInvalid) {
			t.Errorf("checkKey(%q) = %v, want ErrInvalid", k, err)
		}
	}
}

// FuzzValue checks that every value encodeValue accepts reads back unchanged.
func FuzzValue(f *testing.F) {
	for _, s := range []string{"v1:abc", " x ", "a ;b", `"q"`, "`", `\`, `"""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		enc, err := encodeValue(v)
		if err != nil {
			return
		}
		if got := decodeValue(enc); got != v {
			t.Fatalf("encodeValue(%q) = %q reads back as %q", v, enc, got)
		}
		line := classify([]byte("k="+enc+"\n"), false)
		if line.kind != kindEntry || line.key != "k" || line.value != v {
			t.Fatalf("line k=%s reads as %+v", enc, line)
		}
	})
}
