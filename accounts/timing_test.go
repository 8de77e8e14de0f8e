package accounts

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"
)

// TestSameWorkForEveryAnswer checks, without timing anything, that a login
// of an unknown name does the same work as one with a wrong password: one
// value opened with the key and one digest compared, for every mechanism.
// Otherwise an unknown name would be answered sooner, and the time of the
// answer would tell which accounts exist. A locked account does the same
// work too.
func TestSameWorkForEveryAnswer(t *testing.T) {
	t.Parallel()
	o := newTree(t, "")
	mustAdd(t, o, "a@example.org", "pw")
	mustAdd(t, o, "locked@example.org", "pw")
	st := mustOpen(t, o)
	if err := st.Lock("locked@example.org"); err != nil {
		t.Fatal(err)
	}
	cram := func(pw string) string {
		m := hmac.New(md5.New, []byte(pw))
		m.Write([]byte("<1.2@h>"))
		return hex.EncodeToString(m.Sum(nil))
	}
	checks := map[string]func(addr string) error{
		"password": func(addr string) error { return st.CheckPassword(addr, "wrong") },
		"apop":     func(addr string) error { return st.CheckAPOP(addr, "<1.2@h>", "0123456789abcdef0123456789abcdef") },
		"cram-md5": func(addr string) error { return st.CheckCRAMMD5(addr, "<1.2@h>", cram("wrong")) },
		"malformed digest": func(addr string) error {
			return st.CheckCRAMMD5(addr, "<1.2@h>", "zz")
		},
	}
	for name, check := range checks {
		for _, tc := range []struct {
			addr string
			want error
		}{
			{"a@example.org", ErrPassword},
			{"nobody@example.org", ErrUnknown},
			{"locked@example.org", ErrLocked},
		} {
			opened, compared := st.opened.Load(), st.compared.Load()
			if err := check(tc.addr); !errors.Is(err, tc.want) {
				t.Errorf("%s for %s: %v, want %v", name, tc.addr, err, tc.want)
			}
			if d := st.opened.Load() - opened; d != 1 {
				t.Errorf("%s for %s: %d values opened, want 1", name, tc.addr, d)
			}
			if d := st.compared.Load() - compared; d != 1 {
				t.Errorf("%s for %s: %d digests compared, want 1", name, tc.addr, d)
			}
		}
	}
	// The right password of a locked account is refused as locked: the lock
	// is no oracle.
	if err := st.CheckCRAMMD5("locked@example.org", "<1.2@h>", cram("pw")); !errors.Is(err, ErrLocked) {
		t.Errorf("right CRAM-MD5 of a locked account: %v", err)
	}
	if err := st.CheckCRAMMD5("a@example.org", "<1.2@h>", cram("pw")); err != nil {
		t.Errorf("right CRAM-MD5: %v", err)
	}
}
