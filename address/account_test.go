package address

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAccount(t *testing.T) {
	t.Parallel()
	good := []struct{ in, want string }{
		{"admin@localhost.com", "admin@localhost.com"},
		{"Admin@LocalHost.COM", "admin@localhost.com"},
		{"first.last+tag@mail.example.org", "first.last+tag@mail.example.org"},
		{"o'brien@example.org", "o'brien@example.org"},
		{"user@localhost", "user@localhost"},
		{"user@[127.0.0.1]", "user@[127.0.0.1]"},
		{"user@127.0.0.1", "user@[127.0.0.1]"},
		{"user@Example.com.", "user@example.com"},
		{"a-b_c~d@x-y.example", "a-b_c~d@x-y.example"},
		{strings.Repeat("a", 64) + "@example.org", strings.Repeat("a", 64) + "@example.org"},
		// RFC 6531: NFC, lower case, the domain as its A-label.
		{"é@x.org", "é@x.org"},
		{"e\u0301@x.org", "é@x.org"},
		{"Jörg@Bücher.example", "jörg@xn--bcher-kva.example"},
		{"用户@例子.example", "用户@xn--fsqu00a.example"},
	}
	for _, tc := range good {
		if got, err := ParseAccount(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseAccount(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	bad := []string{
		"", "admin", "@example.org", "admin@", "a@b@c",
		".a@x.org", "a.@x.org", "a..b@x.org", "a b@x.org", `"q"@x.org`, "a,b@x.org",
		"a@-x.org", "a@x-.org", "a@x..org", "a@.x.org", "a@x.org..", "a@.", "a@x_y.org",
		"a@[::1]", "a@[IPv6:::1]", "a@::1", "a@[1.2.3]", "a@[1.2.3.4",
		"a=b@x.org", "bo=b@x.test", "#a@x.org", "`a@x.org",
		"a/b@x.org", "a|b@x.org", "a?b@x.org", "a*b@x.org", // atext, but not folder-safe
		"nul.x@y.org", "a\x00@x.org",
		"a\u2215b@x.org", "a\u202eb@x.org", "a\xe9@x.org", "a@-bücher.example", `"é b"@x.org`,
		strings.Repeat("a", 65) + "@example.org",
		"a@" + strings.Repeat("b", 64) + ".org",
		"a@" + strings.Repeat(strings.Repeat("b", 60)+".", 5) + "org",
	}
	for _, in := range bad {
		got, err := ParseAccount(in)
		var ae *AccountError
		if !errors.Is(err, ErrAccount) || !errors.As(err, &ae) || ae.Why == "" {
			t.Errorf("ParseAccount(%q) = %q, %v; want an AccountError", in, got, err)
		}
	}
}

// TestParseMailboxName: the addresses of [EmailAlias] follow ParseAccount
// except for the rule of [Users] keys.
func TestParseMailboxName(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"bo=b@x.test", "#a@x.org", "Admin@LocalHost.COM"} {
		if _, err := ParseMailboxName(in); err != nil {
			t.Errorf("ParseMailboxName(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "a/b@x.org", "a..b@x.org", "a@x_y.org", "nul.x@y.org"} {
		if got, err := ParseMailboxName(in); !errors.Is(err, ErrAccount) {
			t.Errorf("ParseMailboxName(%q) = %q, %v; want ErrAccount", in, got, err)
		}
	}
}
