package address

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestSafeName(t *testing.T) {
	t.Parallel()
	ok := []struct{ in, want string }{
		{"admin@localhost.com", "admin@localhost.com"},
		{"Admin@LocalHost.COM", "admin@localhost.com"},
		{"first.last+tag@example.org", "first.last+tag@example.org"},
		{"o'brien@example.org", "o'brien@example.org"},
		{"con@localhost", "con@localhost"}, // "con@localhost" is not the device CON
		{"user@[127.0.0.1]", "user@[127.0.0.1]"},
		{strings.Repeat("a", 249) + "@x.org", strings.Repeat("a", 249) + "@x.org"}, // 255 bytes: the longest name
		// UTF-8 (RFC 6531): lower case and NFC, so the composed and the
		// decomposed é, and Jörg and JÖRG, share a folder.
		{"é@x", "é@x"},
		{"e\u0301@x", "é@x"},
		{"JÖRG@xn--bcher-kva.example", "jörg@xn--bcher-kva.example"},
		{"用户@例子.example", "用户@例子.example"},
		{"δοκιμή@x", "δοκιμή@x"},
		{"٣٤@x", "٣٤@x"}, // digits of other scripts
	}
	for _, c := range ok {
		t.Run(c.in, func(t *testing.T) {
			got, err := SafeName(c.in)
			if err != nil || got != c.want {
				t.Fatalf("SafeName(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	bad := []string{
		"", "noat", "@example.org", "user@",
		"../x@y", "a/b@c", `a\b@c`, "..@x", "a..b@x", "x@y..z",
		".hidden@x", "x@y.", "x@y ", "a b@c", "a\x00b@c", "a\tb@c", "a\x7f@c",
		"\"q\"@x", "a:b@c", "a|b@c", "a?b@c", "a*b@c", "a<b@c", "a>b@c",
		"nul.x@y", "NUL.x@y", "com1.a@b", "lpt9.a@b", "aux.z@x",
		strings.Repeat("a", 250) + "@x.org",
		// Beyond ASCII, only letters, marks and digits: no look-alikes of
		// path punctuation, no invisible or bidirectional characters, no
		// other spaces, no malformed UTF-8.
		"a\u2215b@c", "a\uff0fb@c", "a\uff3cb@c", "a\u2024\u2024@c", "a\uff1ab@c",
		"a\u202eb@c", "a\u200bb@c", "a\u00a0b@c", "a\u3000b@c", "a\u0085b@c",
		"a\ue000b@c", "a\xe9@c", "\U0001F600@c", strings.Repeat("é", 125) + "@x.org",
	}
	for _, in := range bad {
		t.Run("bad/"+in, func(t *testing.T) {
			got, err := SafeName(in)
			if !errors.Is(err, ErrUnsafe) {
				t.Fatalf("SafeName(%q) = %q, %v; want ErrUnsafe", in, got, err)
			}
		})
	}
}

// FuzzSafeName checks the property that matters: whatever SafeName accepts
// stays one path component directly below its parent.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"admin@localhost.com", "../x@y", "nul.a@b", "a/b@c", "Jörg@x", "e\u0301@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		name, err := SafeName(in)
		if err != nil {
			return
		}
		root := filepath.Join("root", "users")
		p := filepath.Join(root, name)
		if filepath.Dir(p) != root || filepath.Base(p) != name {
			t.Fatalf("SafeName(%q) = %q escapes its folder (%q)", in, name, p)
		}
		if name != strings.ToLower(name) || !norm.NFC.IsNormalString(name) {
			t.Fatalf("SafeName(%q) = %q is not lower case NFC", in, name)
		}
		if again, err := SafeName(name); err != nil || again != name {
			t.Fatalf("SafeName(%q) = %q, but SafeName(%q) = %q, %v", in, name, name, again, err)
		}
	})
}
