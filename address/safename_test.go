package address

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
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
		"é@x", strings.Repeat("a", 250) + "@x.org",
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
	for _, s := range []string{"admin@localhost.com", "../x@y", "nul.a@b", "a/b@c"} {
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
		if name != strings.ToLower(name) {
			t.Fatalf("SafeName(%q) = %q is not lower case", in, name)
		}
	})
}
