package saslmech

import (
	"errors"
	"strings"
	"testing"
)

func TestLoginServer(t *testing.T) {
	t.Parallel()
	var user string
	var got [2]string
	check := func(u, p string) error { got = [2]string{u, p}; return nil }
	l := &loginServer{user: &user, check: check}
	steps := []struct {
		resp      []byte
		challenge string
		done      bool
	}{
		{nil, "Username:", false},
		{[]byte("me"), "Password:", false},
		{[]byte("pw"), "", true},
	}
	for i, s := range steps {
		ch, done, err := l.Next(s.resp)
		if err != nil || string(ch) != s.challenge || done != s.done {
			t.Fatalf("step %d: %q %v %v", i, ch, done, err)
		}
	}
	if got != [2]string{"me", "pw"} || user != "me" {
		t.Fatalf("checked %v, user %q", got, user)
	}
	if _, _, err := l.Next([]byte("more")); err == nil {
		t.Fatal("a response after the end was accepted")
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"=": "", "YWI=": "ab", "YWI": "ab", "": ""} {
		got, ok := Decode(in)
		if !ok || string(got) != want {
			t.Errorf("Decode(%q) = %q, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"*", "a b", "!!!", "YW=I"} {
		if _, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}

// TestCramMD5 runs CRAM-MD5: the server speaks first with a challenge that
// names the host and differs each time, then takes "user digest".
func TestCramMD5(t *testing.T) {
	t.Parallel()
	var user, gotCh, gotDigest string
	check := func(u, ch, d string) error { gotCh, gotDigest = ch, d; return nil }
	a := New(CramMD5, "mx.test", &user, Checks{CRAM: check})
	b := New(CramMD5, "mx.test", new(string), Checks{CRAM: check})
	ch, done, err := a.Next(nil)
	ch2, _, _ := b.Next(nil)
	if err != nil || done || string(ch) == string(ch2) || !strings.HasSuffix(string(ch), "@mx.test>") {
		t.Fatalf("challenges %q and %q, %v %v", ch, ch2, done, err)
	}
	if _, done, err := a.Next([]byte("me@x.test 0123")); !done || err != nil {
		t.Fatalf("response: %v %v", done, err)
	}
	if user != "me@x.test" || gotCh != string(ch) || gotDigest != "0123" {
		t.Fatalf("checked %q %q %q", user, gotCh, gotDigest)
	}
	c := New(CramMD5, "mx.test", new(string), Checks{CRAM: check})
	c.Next(nil)
	if _, _, err := c.Next([]byte("nodigest")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a response without a digest: %v", err)
	}
}

// TestPlainProxy refuses PLAIN acting for another user, before any check.
func TestPlainProxy(t *testing.T) {
	t.Parallel()
	var user string
	checked := false
	p := New(Plain, "", &user, Checks{Password: func(string, string) error { checked = true; return nil }})
	if _, _, err := p.Next([]byte("boss\x00me\x00pw")); !errors.Is(err, ErrProxy) || checked || user != "me" {
		t.Fatalf("err %v, checked %v, user %q", err, checked, user)
	}
	if New("DIGEST-MD5", "", &user, Checks{}) != nil {
		t.Fatal("a mechanism not offered has a server")
	}
}
