package msgauth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// dkimpy returns the Python interpreter that has dkimpy (python3-dkim):
// the one that runs its dkimverify script.
func dkimpy(t *testing.T) string {
	t.Helper()
	f, err := os.Open(testutil.Program(t, "dkimverify"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	py := strings.TrimSpace(strings.TrimPrefix(line, "#!"))
	if err := exec.Command(py, "-c", "import dkim, nacl").Run(); err != nil {
		if testutil.RequireClients() {
			t.Fatalf("%s cannot import dkim and nacl: %v", py, err)
		}
		t.Skipf("%s cannot import dkim and nacl", py)
	}
	return py
}

// pyVerify asks dkimpy whether msg verifies, with record as the only key
// DNS knows.
const pyVerify = `import sys, dkim
rec = sys.argv[1].encode()
msg = sys.stdin.buffer.read()
sys.exit(0 if dkim.verify(msg, dnsfunc=lambda name, timeout=5: rec) else 1)`

// TestIndependentVerifier: messages our Signer signs (RSA and Ed25519)
// verify with dkimpy, and altered ones fail there too.
func TestIndependentVerifier(t *testing.T) {
	t.Parallel()
	py := dkimpy(t)
	for typ, key := range testKeys(t) {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			rec, err := KeyRecord(key)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := NewSigner([]SignKey{{Domain: "sign.test", Selector: "s1", Key: key}}).Sign(strings.NewReader(testMessage))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range alterations {
				cmd := exec.Command(py, "-c", pyVerify, rec)
				cmd.Stdin = strings.NewReader(a.change(sig + testMessage))
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				if _, exit := err.(*exec.ExitError); err != nil && !exit {
					t.Fatal(err)
				}
				if verified := err == nil; verified == a.breaks {
					t.Errorf("%s: dkimpy verified %v, want %v\n%s", a.name, verified, !a.breaks, stderr.String())
				}
			}
		})
	}
}

// TestIndependentSigner: a message signed by dkimpy's dkimsign (RSA, both
// canonicalizations) verifies with ours, and fails once altered.
func TestIndependentSigner(t *testing.T) {
	t.Parallel()
	dkimsign := testutil.Program(t, "dkimsign")
	dkimpy(t)
	key := testKeys(t)["rsa"].(*rsa.PrivateKey)
	keyFile := filepath.Join(t.TempDir(), "s1.pem")
	pemData := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(keyFile, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	rec, err := KeyRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	c := verifyZone(t, rec)
	for _, canon := range []string{"simple", "relaxed"} {
		cmd := exec.Command(dkimsign, "--hcanon", canon, "--bcanon", canon, "s1", "sign.test", keyFile)
		cmd.Stdin = strings.NewReader(testMessage)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("dkimsign: %v", err)
		}
		signed := strings.ReplaceAll(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n", "\r\n")
		if !strings.HasPrefix(signed, "DKIM-Signature:") {
			t.Fatalf("dkimsign wrote %q", signed)
		}
		for _, a := range alterations {
			if a.name == "second From added" || a.name == "unsigned field changed" {
				continue // depends on which fields dkimsign signs
			}
			res, _ := c.CheckMessage(context.Background(), []byte(a.change(signed)), SPFOutcome{})
			want := "pass"
			if a.breaks {
				want = "fail"
			}
			if got := res.DKIMResult(); got != want {
				t.Errorf("%s, %s: dkim=%s, want %s (%+v)", canon, a.name, got, want, res.DKIM)
			}
		}
	}
}
