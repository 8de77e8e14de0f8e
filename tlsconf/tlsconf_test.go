package tlsconf

import (
	"crypto/tls"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// writePair writes a generated pair for host, valid from now.
func writePair(t *testing.T, dir, host string, now time.Time) (string, string) {
	t.Helper()
	c, k, err := generate(host, now)
	if err != nil {
		t.Fatal(err)
	}
	cp, kp := filepath.Join(dir, host+".crt"), filepath.Join(dir, host+".key")
	if err := os.WriteFile(cp, c, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, k, 0o600); err != nil {
		t.Fatal(err)
	}
	return cp, kp
}

func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	goodC, goodK := writePair(t, dir, "good.example", now)
	_, otherK := writePair(t, dir, "other.example", now)
	oldC, oldK := writePair(t, dir, "old.example", now.Add(-2*selfValidity))
	garbage := filepath.Join(dir, "garbage.crt")
	os.WriteFile(garbage, []byte("not a certificate\n"), 0o644)
	for _, tc := range []struct {
		name       string
		cert, key  string
		want       error
		wantInText string
	}{
		{"missing certificate", filepath.Join(dir, "none.crt"), goodK, fs.ErrNotExist, "none.crt"},
		{"missing key", goodC, filepath.Join(dir, "none.key"), fs.ErrNotExist, "none.key"},
		{"mismatched pair", goodC, otherK, ErrMismatch, "does not belong"},
		{"expired", oldC, oldK, ErrExpired, "expired"},
		{"not PEM", garbage, goodK, ErrNoCert, "garbage.crt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.cert, tc.key)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load: %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantInText) {
				t.Errorf("error %q does not say %q", err, tc.wantInText)
			}
		})
	}
	if _, err := Load(goodC, goodK); err != nil {
		t.Fatalf("good pair: %v", err)
	}
}

func TestUnreadableKey(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a non-root Unix user: root reads any file")
	}
	dir := t.TempDir()
	c, k := writePair(t, dir, "x.example", time.Now())
	os.Chmod(k, 0)
	if _, err := Load(c, k); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("Load: %v, want a permission error", err)
	}
}

// TestReload replaces the pair on disk; the next handshake after the
// recheck interval serves the new certificate, and a broken replacement
// keeps the last good one.
func TestReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cp, kp := writePair(t, dir, "a.example", time.Now())
	s, err := Load(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	s.now = func() time.Time { return clock }
	var warnings []string
	s.Warn = func(f string, a ...any) { warnings = append(warnings, f) }
	first := Fingerprint(s.Leaf())

	c2, k2, _ := generate("b.example", time.Now())
	os.WriteFile(cp, c2, 0o644)
	os.WriteFile(kp, k2, 0o600)
	if got := Fingerprint(s.Leaf()); got != first {
		t.Fatal("reloaded before the recheck interval")
	}
	clock = clock.Add(2 * recheck)
	if got := s.Leaf().DNSNames[0]; got != "b.example" {
		t.Fatalf("after the change the leaf names %q, want b.example", got)
	}
	// A key that no longer matches: the good pair stays.
	_, k3, _ := generate("c.example", time.Now())
	os.WriteFile(kp, k3, 0o600)
	clock = clock.Add(2 * recheck)
	if got := s.Leaf().DNSNames[0]; got != "b.example" {
		t.Fatalf("a broken replacement was taken: %q", got)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[1], "cannot be used") {
		t.Fatalf("warnings %q, want a reload and a refusal", warnings)
	}
}

func TestSelfSigned(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "tls")
	cp, kp, created, err := SelfSigned(dir, "mail.example.net")
	if err != nil || !created {
		t.Fatalf("SelfSigned: created %v, %v", created, err)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(kp)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
		}
	}
	s, err := Load(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	leaf := s.Leaf()
	for _, name := range []string{"mail.example.net", "localhost"} {
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("not valid for %s: %v", name, err)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(ip); err != nil {
			t.Errorf("not valid for %s: %v", ip, err)
		}
	}
	// A second start keeps the pair: the fingerprint users pinned stays.
	_, _, created, err = SelfSigned(dir, "mail.example.net")
	if err != nil || created {
		t.Fatalf("second start: created %v, %v", created, err)
	}
	s2, _ := Load(cp, kp)
	if Fingerprint(s2.Leaf()) != Fingerprint(leaf) {
		t.Error("the pair changed on the second start")
	}
	// A key alone is left by an interrupted generation: a new pair is made.
	os.Remove(cp)
	if _, _, created, err := SelfSigned(dir, "x.example"); err != nil || !created {
		t.Errorf("after a lone key: created %v, %v", created, err)
	}
	// A certificate alone may be someone's: it is not overwritten.
	os.Remove(kp)
	if _, _, _, err := SelfSigned(dir, "x.example"); err == nil || !strings.Contains(err.Error(), "has no key") {
		t.Errorf("a lone certificate: %v", err)
	}
}

// TestFingerprintMatchesOpenSSL compares ours with openssl x509's.
func TestFingerprintMatchesOpenSSL(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	cp, kp := writePair(t, t.TempDir(), "f.example", time.Now())
	s, err := Load(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(openssl, "x509", "-in", cp, "-noout", "-fingerprint", "-sha256").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := Fingerprint(s.Leaf()); !strings.Contains(string(out), want) {
		t.Fatalf("openssl says %q, we say %s", out, want)
	}
}

// TestServerConfig handshakes with the server settings: TLS 1.1 is refused,
// 1.2 and 1.3 work.
func TestServerConfig(t *testing.T) {
	t.Parallel()
	cp, kp := writePair(t, t.TempDir(), "s.example", time.Now())
	s, err := Load(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		max  uint16
		ok   bool
	}{{"TLS1.1", tls.VersionTLS11, false}, {"TLS1.2", tls.VersionTLS12, true}, {"TLS1.3", tls.VersionTLS13, true}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			srv := tls.Server(a, s.ServerConfig())
			go srv.Handshake()
			cli := tls.Client(b, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tc.max})
			err := cli.Handshake()
			if (err == nil) != tc.ok {
				t.Fatalf("handshake: %v, want ok=%v", err, tc.ok)
			}
			if err == nil && !strings.HasPrefix(Describe(cli.ConnectionState()), tc.name+" TLS_") {
				t.Errorf("Describe = %q", Describe(cli.ConnectionState()))
			}
		})
	}
}
