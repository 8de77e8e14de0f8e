package msgauth

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mailq/resolve"
	"mailq/resolve/dnstest"
)

var (
	rsaOnce sync.Once
	rsaKey  crypto.Signer
)

// testKeys are an RSA 2048 key (made once: it takes a while) and a new
// Ed25519 key.
func testKeys(t testing.TB) map[string]crypto.Signer {
	rsaOnce.Do(func() {
		k, _, err := GenerateKey(false)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"rsa": rsaKey, "ed25519": ed}
}

const testMessage = "From: Ann <ann@sign.test>\r\nTo: bob@elsewhere.test\r\nSubject: the plan\r\n" +
	"Date: Fri, 04 Dec 2026 18:00:00 +0000\r\nMessage-ID: <plan@sign.test>\r\n" +
	"X-Unsigned: may change\r\n\r\nFirst line.\r\n\r\nLast line.\r\n"

// alterations are changes that must break a signature, and one that must
// not (an unsigned field).
var alterations = []struct {
	name   string
	change func(string) string
	breaks bool
}{
	{"unchanged", func(m string) string { return m }, false},
	{"unsigned field changed", func(m string) string { return strings.Replace(m, "may change", "changed", 1) }, false},
	{"body changed", func(m string) string { return strings.Replace(m, "Last line.", "Last line!", 1) }, true},
	{"subject changed", func(m string) string { return strings.Replace(m, "the plan", "the other plan", 1) }, true},
	{"second From added", func(m string) string { return strings.Replace(m, "To:", "From: evil@bad.test\r\nTo:", 1) }, true},
}

// verifyZone is a checker whose DNS publishes record at s1._domainkey.sign.test.
func verifyZone(t testing.TB, record string) *Checker {
	t.Helper()
	srv := dnstest.Start(t)
	srv.Add(strings.Replace(ZoneLine("sign.test", "s1", record), " IN TXT ", " 60 IN TXT ", 1)) // as printed by /DKIMKEY
	r, err := resolve.New(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return New(Options{DKIM: Accept, DNS: r, Host: "mx.test"})
}

// TestSignAndVerify signs with each key type and verifies with the library
// through our resolver: an untouched message passes, an altered one fails.
func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	for typ, key := range testKeys(t) {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			rec, err := KeyRecord(key)
			if err != nil {
				t.Fatal(err)
			}
			c := verifyZone(t, rec)
			s := NewSigner([]SignKey{{Domain: "sign.test", Selector: "s1", Key: key}})
			sig, err := s.Sign(strings.NewReader(testMessage))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"c=relaxed/relaxed", "d=sign.test", "s=s1", "h=From:From:"} {
				if !strings.Contains(strings.ReplaceAll(sig, " ", ""), want) {
					t.Errorf("signature lacks %s: %s", want, sig)
				}
			}
			for _, a := range alterations {
				res, _ := c.CheckMessage(context.Background(), []byte(a.change(sig+testMessage)), SPFOutcome{})
				want := "pass"
				if a.breaks {
					want = "fail"
				}
				if got := res.DKIMResult(); got != want {
					t.Errorf("%s: dkim=%s, want %s (%+v)", a.name, got, want, res.DKIM)
				}
			}
		})
	}
}

func TestSignOnlyOurDomains(t *testing.T) {
	t.Parallel()
	s := NewSigner([]SignKey{{Domain: "other.test", Selector: "s1", Key: testKeys(t)["ed25519"]}})
	if sig, err := s.Sign(strings.NewReader(testMessage)); sig != "" || err != nil {
		t.Fatalf("signed mail from sign.test with other.test's key: %q, %v", sig, err)
	}
	if sig, err := (*Signer)(nil).Sign(strings.NewReader(testMessage)); sig != "" || err != nil {
		t.Fatalf("nil Signer: %q, %v", sig, err)
	}
}

func TestLoadKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	_, pkcs8, err := GenerateKey(true)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKeys(t)["rsa"].(*rsa.PrivateKey))})
	for _, tc := range []struct {
		path string
		err  string
	}{
		{write("ed.key", pkcs8), ""},
		{write("rsa1.key", pkcs1), ""},
		{filepath.Join(dir, "missing.key"), "missing.key"}, // the OS says why
		{write("text.key", []byte("not a key")), "no PEM private key"},
		{write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})), "not a private key"},
	} {
		_, err := LoadKey(tc.path)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want %q", filepath.Base(tc.path), err, tc.err)
		}
	}
}

// TestZoneLine: a 2048-bit RSA record is longer than one DNS string and is
// cut into strings of at most 255 octets.
func TestZoneLine(t *testing.T) {
	t.Parallel()
	rec, err := KeyRecord(testKeys(t)["rsa"])
	if err != nil {
		t.Fatal(err)
	}
	line := ZoneLine("sign.test", "s1", rec)
	if !strings.HasPrefix(line, `s1._domainkey.sign.test. IN TXT "v=DKIM1; k=rsa; p=`) {
		t.Fatal(line)
	}
	_, quoted, _ := strings.Cut(line, "TXT ")
	parts := strings.Split(strings.Trim(quoted, `"`), `" "`)
	if len(parts) < 2 || strings.Join(parts, "") != rec {
		t.Fatalf("%d strings, joined equal %v", len(parts), strings.Join(parts, "") == rec)
	}
	for _, p := range parts {
		if len(p) > 255 {
			t.Fatalf("a string of %d octets", len(p))
		}
	}
}
