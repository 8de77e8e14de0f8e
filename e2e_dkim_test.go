package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mailq/internal/testutil"
	"mailq/msgauth"
	"mailq/resolve/dnstest"
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

// TestBinarySenderAuth: the binary checks an outside client (192.0.2.121)
// against the DNSServer it is given: SPFPolicy=refuse refuses swaks's mail
// from a domain whose SPF fails, and takes the mail from a domain whose
// SPF passes, with one Authentication-Results naming HostName.
func TestBinarySenderAuth(t *testing.T) {
	t.Parallel()
	swaks := testutil.Program(t, "swaks")
	testutil.SourceAddr(t, "192.0.2.121")
	zone := dnstest.Start(t)
	zone.Add(`fail.test. 300 IN TXT "v=spf1 -all"`, `ok.test. 300 IN TXT "v=spf1 ip4:192.0.2.121 -all"`)
	ini := strings.Replace(testINI, "[Config]\n", "[Config]\nSMTPRelayLevel=2\nDNSServer="+zone.Addr+"\nSPFPolicy=refuse\n", 1)
	dir := newTree(t, ini)
	if code, out := mailq(t, dir, "/adduser:admin@test.example", "/pw:secret"); code != 0 {
		t.Fatalf("adduser: %d\n%s", code, out)
	}
	in := start(t, dir)
	send := func(from string) (string, error) {
		out, err := exec.Command(swaks, "--server", in.addr, "--local-interface", "192.0.2.121", "--helo", "client.test",
			"--from", from, "--to", "admin@test.example", "--header", "Subject: auth test").CombinedOutput()
		return string(out), err
	}
	if out, err := send("a@fail.test"); err == nil || !strings.Contains(out, "<** 550 5.7.23 ") {
		t.Fatalf("mail from fail.test: %v\n%s", err, out)
	}
	if out, err := send("a@ok.test"); err != nil {
		t.Fatalf("mail from ok.test: %v\n%s", err, out)
	}
	emls, _ := filepath.Glob(filepath.Join(dir, "queue", "*.eml"))
	if len(emls) != 1 {
		t.Fatalf("%d messages in the queue, want 1", len(emls))
	}
	msg, err := os.ReadFile(emls[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(msg), "Authentication-Results: mx.test; spf=pass smtp.mailfrom=a@ok.test;") ||
		strings.Count(string(msg), "Authentication-Results:") != 1 {
		t.Fatalf("stored message:\n%s", msg)
	}
}
