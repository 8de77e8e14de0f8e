package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailq/msgauth"
)

// TestDKIMKeyCommand: /DKIMKEY writes a private key that loads, prints the
// TXT record of its public half and the [DKIM] line, and never overwrites
// a key; the instance then starts signing with it.
func TestDKIMKeyCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ arg, file, k string }{
		{"/dkimkey:test.example", "test.example.mailq.key", "rsa"},
		{"/DKIMKEY:Test.Example:s2026:ed25519", "test.example.s2026.key", "ed25519"},
	} {
		t.Run(tc.k, func(t *testing.T) {
			t.Parallel()
			dir := newTree(t, "")
			code, out := mailq(t, dir, tc.arg)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			path := filepath.Join(dir, "dkim", tc.file)
			key, err := msgauth.LoadKey(path)
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := msgauth.KeyRecord(key)
			sel := strings.Split(tc.file, ".")[2]
			zone := msgauth.ZoneLine("test.example", sel, rec)
			entry := "test.example=" + sel + ", dkim/" + tc.file
			if !strings.Contains(out, zone) || !strings.Contains(out, "k="+tc.k) || !strings.Contains(out, entry) {
				t.Fatalf("output lacks %q or %q:\n%s", zone, entry, out)
			}
			if st, err := os.Stat(path); err != nil || (st.Mode().Perm()&0o077 != 0 && os.PathSeparator == '/') {
				t.Fatalf("key file %v, %v: want readable by its owner only", st.Mode(), err)
			}
			before, _ := os.ReadFile(path)
			code, out = mailq(t, dir, tc.arg)
			after, _ := os.ReadFile(path)
			if code == 0 || !strings.Contains(out, "never overwritten") || string(before) != string(after) {
				t.Fatalf("second run: exit %d, key changed %v:\n%s", code, string(before) != string(after), out)
			}
			ini := testINI + "[MXA]\nEnabled=True\n[DKIM]\n" + entry + "\n"
			if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
				t.Fatal(err)
			}
			in := start(t, dir)
			in.waitOutput("DKIM signing for test.example")
		})
	}
}

// TestDKIMMissingKey: a [DKIM] key that cannot be read stops the start
// with a message naming the entry and the file.
func TestDKIMMissingKey(t *testing.T) {
	t.Parallel()
	dir := newTree(t, testINI+"[MXA]\nEnabled=True\n[DKIM]\ntest.example=s1, dkim/none.key\n")
	code, out := mailq(t, dir)
	want := regexp.MustCompile(`\[DKIM\] test\.example: cannot load the signing key: .*none\.key`)
	if code == 0 || !want.MatchString(out) {
		t.Fatalf("exit %d, want a failure matching %s:\n%s", code, want, out)
	}
}
