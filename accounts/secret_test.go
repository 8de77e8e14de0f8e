package accounts

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, keySize) }

func TestSealRoundTrip(t *testing.T) {
	t.Parallel()
	key := testKey(7)
	for _, pw := range []string{"x", "tanstaaf", strings.Repeat("p", 63), strings.Repeat("p", 64),
		"\x80\x00ends with padding bytes\x80\x00", strings.Repeat("z", maxPassword)} {
		v, err := seal(key, "User@Example.org", pw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(v, "v1:") || strings.ContainsAny(v, "=+/ ;#") {
			t.Errorf("value %q is not v1 base64url", v)
		}
		got, err := unseal(key, "user@example.org", v)
		if err != nil || string(got) != pw {
			t.Fatalf("unseal = %q, %v; want %q", got, err, pw)
		}
		if _, err := unseal(key, "other@example.org", v); !errors.Is(err, errNoOpen) {
			t.Errorf("value opened for another account: %v", err)
		}
		if _, err := unseal(testKey(8), "user@example.org", v); !errors.Is(err, errNoOpen) {
			t.Errorf("value opened with another key: %v", err)
		}
	}
}

// TestLengthHidden checks that values do not tell password lengths apart
// below padBlock, and that two seals of one password differ.
func TestLengthHidden(t *testing.T) {
	t.Parallel()
	key := testKey(1)
	a, _ := seal(key, "a@x.org", "1")
	b, _ := seal(key, "a@x.org", strings.Repeat("9", padBlock-1))
	c, _ := seal(key, "a@x.org", "1")
	if len(a) != len(b) {
		t.Errorf("lengths %d and %d differ", len(a), len(b))
	}
	if a == c {
		t.Error("two seals of one password are equal")
	}
}

func TestParseValue(t *testing.T) {
	t.Parallel()
	good, _ := seal(testKey(1), "a@x.org", "pw")
	tests := []struct {
		in   string
		want error
	}{
		{good, nil},
		{"IBkkRcFlFSpqRgtDPk0oJFUbYjxuGwF+AiNZWRJhHw9eEB0DTSR", errLegacy},
		{"", errLegacy},
		{"V1:" + good[3:], errLegacy},
		{"v1:", errDamaged},
		{"v1:!!!!", errDamaged},
		{good + "A", errDamaged},
		{good[:len(good)-4], errDamaged},
		{"v1:" + strings.Repeat("A", 200), errDamaged},
	}
	for _, tc := range tests {
		if _, err := parseValue(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("parseValue(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	key := testKey(3)
	if got, err := parseKey(string(formatKey(key))); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("round trip: %x, %v", got, err)
	}
	crlf := strings.ReplaceAll(string(formatKey(key)), "\n", "\r\n")
	if got, err := parseKey(crlf); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("CRLF: %x, %v", got, err)
	}
	line := "v1:" + b64.EncodeToString(key)
	for _, bad := range []string{"", "# only a comment\n", line + "\n" + line, "v1:AAAA", "v2:" + line[3:], line + "x"} {
		if _, err := parseKey(bad); err == nil {
			t.Errorf("parseKey(%q) accepted", bad)
		}
	}
}

// FuzzParseValue checks that parseValue and unseal never panic, that an
// accepted value is canonical (formatting its bytes gives it back), and that
// nothing but a real seal opens: the only password ever sealed under key is
// "secret", so anything else that opens is a forgery. (Each fuzz worker
// process seals its own seed, so the value itself cannot be compared.)
func FuzzParseValue(f *testing.F) {
	key := testKey(9)
	good, _ := seal(key, "a@x.org", "secret")
	f.Add(good)
	f.Add("v1:" + strings.Repeat("A", 123))
	f.Add("QnGaqccUw0a34QJxR8Kl1VGCxTTHIuVRtUFA8fXlZwSF0wLV0sWR1")
	f.Fuzz(func(t *testing.T, v string) {
		raw, err := parseValue(v)
		if err != nil {
			if !errors.Is(err, errLegacy) && !errors.Is(err, errDamaged) {
				t.Fatalf("parseValue(%q): unexpected error %v", v, err)
			}
			return
		}
		if back := formatValue(raw); back != v {
			t.Fatalf("parseValue(%q) is not canonical: formats as %q", v, back)
		}
		pw, err := unseal(key, "a@x.org", v)
		if err == nil && string(pw) != "secret" {
			t.Fatalf("forged value %q opened as %q", v, pw)
		}
	})
}
