package accounts

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"mailq/inifile"
)

// TestMechanisms verifies the five login mechanisms against the RFCs'
// examples, with digests also computed here independently.
func TestMechanisms(t *testing.T) {
	t.Parallel()
	o := newTree(t, "")
	mustAdd(t, o, "tim@example.org", "tanstaaftanstaaf") // RFC 2195 §2
	mustAdd(t, o, "mrose@example.org", "tanstaaf")       // RFC 1939 §7
	st := mustOpen(t, o)

	t.Run("USER/PASS", func(t *testing.T) {
		if err := st.CheckPassword("MRose@Example.org", "tanstaaf"); err != nil {
			t.Error(err)
		}
		for _, bad := range []string{"tanstaa", "tanstaaf ", "TANSTAAF", ""} {
			if err := st.CheckPassword("mrose@example.org", bad); !errors.Is(err, ErrPassword) {
				t.Errorf("%q: %v", bad, err)
			}
		}
	})
	t.Run("AUTH PLAIN", func(t *testing.T) {
		for pw, ok := range map[string]bool{"tanstaaftanstaaf": true, "nope": false} {
			_, ir, _ := sasl.NewPlainClient("", "tim@example.org", pw).Start()
			srv := sasl.NewPlainServer(func(_, user, pass string) error { return st.CheckPassword(user, pass) })
			_, done, err := srv.Next(ir)
			if ok != (err == nil) || ok && !done {
				t.Errorf("password %q: done=%v err=%v", pw, done, err)
			}
		}
	})
	t.Run("AUTH LOGIN", func(t *testing.T) {
		c := sasl.NewLoginClient("tim@example.org", "tanstaaftanstaaf")
		_, user, _ := c.Start()
		pass, err := c.Next([]byte("Password:"))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CheckPassword(string(user), string(pass)); err != nil {
			t.Error(err)
		}
	})
	t.Run("APOP", func(t *testing.T) {
		ts := "<1896.697170952@dbc.mtview.ca.us>"
		const rfc = "c4c9334bac560ecc979e58001b3e22fb"
		sum := md5.Sum([]byte(ts + "tanstaaf"))
		if got := hex.EncodeToString(sum[:]); got != rfc {
			t.Fatalf("independent MD5 %s, RFC says %s", got, rfc)
		}
		for _, d := range []string{rfc, strings.ToUpper(rfc)} {
			if err := st.CheckAPOP("mrose@example.org", ts, d); err != nil {
				t.Errorf("%s: %v", d, err)
			}
		}
		for _, d := range []string{"c4c9334bac560ecc979e58001b3e22fc", rfc[:30], "zz" + rfc[2:], ""} {
			if err := st.CheckAPOP("mrose@example.org", ts, d); !errors.Is(err, ErrPassword) {
				t.Errorf("%q: %v", d, err)
			}
		}
		if err := st.CheckAPOP("mrose@example.org", "<other@host>", rfc); !errors.Is(err, ErrPassword) {
			t.Errorf("another timestamp: %v", err)
		}
	})
	t.Run("CRAM-MD5", func(t *testing.T) {
		ch := "<1896.697170952@postoffice.reston.mci.net>"
		const rfc = "b913a602c7eda7a495b4e6e7334d3890"
		mac := hmac.New(md5.New, []byte("tanstaaftanstaaf"))
		mac.Write([]byte(ch))
		if got := hex.EncodeToString(mac.Sum(nil)); got != rfc {
			t.Fatalf("independent HMAC-MD5 %s, RFC says %s", got, rfc)
		}
		if err := st.CheckCRAMMD5("tim@example.org", ch, rfc); err != nil {
			t.Error(err)
		}
		if err := st.CheckCRAMMD5("tim@example.org", ch+" ", rfc); !errors.Is(err, ErrPassword) {
			t.Errorf("another challenge: %v", err)
		}
		if err := st.CheckCRAMMD5("nobody@example.org", ch, rfc); !errors.Is(err, ErrUnknown) {
			t.Errorf("unknown user: %v", err)
		}
	})
}

// TestStoreRereads checks that a Store sees commands run after it opened,
// and a hand edit of the file.
func TestStoreRereads(t *testing.T) {
	t.Parallel()
	o := newTree(t, "")
	st := mustOpen(t, o)
	if st.Exists("a@example.org") || len(st.Users()) != 0 {
		t.Fatal("accounts before any Add")
	}
	mustAdd(t, o, "a@example.org", "one")
	if err := st.CheckPassword("a@example.org", "one"); err != nil {
		t.Fatalf("after Add: %v", err)
	}
	if err := SetPassword(o, "a@example.org", "two"); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckPassword("a@example.org", "two"); err != nil {
		t.Fatalf("after SetPassword: %v", err)
	}
	mustAdd(t, o, "b@example.org", "bee")
	if got := strings.Join(st.Users(), ","); got != "a@example.org,b@example.org" {
		t.Fatalf("Users = %s", got)
	}
	// A hand edit in place, as an editor that does not rename would make.
	b, _ := os.ReadFile(o.INI)
	if err := os.WriteFile(o.INI, append(b, "\n[pop-locked]\nB@example.org=True\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if !st.Locked("b@example.org") {
		t.Fatal("hand-written lock not seen")
	}
	if err := Delete(o, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := st.CheckPassword("a@example.org", "two"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestLockout(t *testing.T) {
	t.Parallel()
	o := newTree(t, "")
	mustAdd(t, o, "a@example.org", "pw")
	st := mustOpen(t, o)
	if err := st.Lock("nobody@example.org"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("Lock(unknown) = %v", err)
	}
	if err := st.Lock("A@example.org"); err != nil {
		t.Fatal(err)
	}
	if !st.Locked("a@example.org") {
		t.Fatal("not locked after Lock")
	}
	es, err := inifile.Read(o.INI, "Pop-Locked")
	if err != nil || len(es) != 1 || es[0].Key != "a@example.org" || es[0].Value != "True" {
		t.Fatalf("[Pop-Locked] = %+v, %v", es, err)
	}
	before, _ := os.ReadFile(o.INI)
	if err := st.Lock("a@example.org"); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(o.INI); !bytes.Equal(before, after) {
		t.Error("a second Lock changed the file")
	}
	if err := st.CheckPassword("a@example.org", "pw"); !errors.Is(err, ErrLocked) {
		t.Errorf("CheckPassword while locked: %v", err)
	}
	if err := st.CheckAPOP("a@example.org", "<x@y>", strings.Repeat("0", 32)); !errors.Is(err, ErrLocked) {
		t.Errorf("CheckAPOP while locked: %v", err)
	}
	if was, err := Unlock(o, "a@example.org"); !was || err != nil {
		t.Fatalf("Unlock = %v, %v", was, err)
	}
	if st.Locked("a@example.org") {
		t.Fatal("still locked after Unlock")
	}
	if err := st.CheckPassword("a@example.org", "pw"); err != nil {
		t.Errorf("after Unlock: %v", err)
	}
	if was, err := Unlock(o, "a@example.org"); was || err != nil {
		t.Fatalf("second Unlock = %v, %v; want false, nil", was, err)
	}
}

// TestUnusableSecrets covers the ErrSecret cases: a value moved to another
// account, a value from the original MailQ, and a missing key.
func TestUnusableSecrets(t *testing.T) {
	t.Parallel()
	t.Run("moved value", func(t *testing.T) {
		t.Parallel()
		o := newTree(t, "")
		mustAdd(t, o, "a@example.org", "pw-a")
		mustAdd(t, o, "b@example.org", "pw-b")
		err := inifile.Edit(o.INI, "Users", nil, func(es []inifile.Entry) ([]inifile.Entry, error) {
			es[0].Value, es[1].Value = es[1].Value, es[0].Value
			return es, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		st := mustOpen(t, o)
		for addr, pw := range map[string]string{"a@example.org": "pw-b", "b@example.org": "pw-a"} {
			if err := st.CheckPassword(addr, pw); !errors.Is(err, ErrSecret) {
				t.Errorf("%s: %v", addr, err)
			}
		}
	})
	t.Run("original MailQ value", func(t *testing.T) {
		t.Parallel()
		orig, _ := os.ReadFile(filepath.Join("testdata", "commented.ini"))
		o := newTree(t, string(orig))
		st := mustOpen(t, o)
		err := st.CheckPassword("legacy@example.com", "anything")
		if !errors.Is(err, ErrSecret) || !strings.Contains(err.Error(), "/SETPASS") {
			t.Fatalf("CheckPassword = %v", err)
		}
		if !st.Exists("LEGACY@example.com") || !st.Exists("spaced@example.com") {
			t.Errorf("Users = %v", st.Users())
		}
		if err := SetPassword(o, "legacy@example.com", "now"); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckPassword("legacy@example.com", "now"); err != nil {
			t.Errorf("after SetPassword: %v", err)
		}
	})
	t.Run("missing key", func(t *testing.T) {
		t.Parallel()
		o := newTree(t, "")
		mustAdd(t, o, "a@example.org", "pw")
		st := mustOpen(t, o)
		if err := os.Rename(o.Key, o.Key+".bak"); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckPassword("a@example.org", "pw"); !errors.Is(err, ErrSecret) {
			t.Fatalf("without key: %v", err)
		}
		if err := os.Rename(o.Key+".bak", o.Key); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckPassword("a@example.org", "pw"); err != nil {
			t.Fatalf("key restored: %v", err)
		}
	})
}
