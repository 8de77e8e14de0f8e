package main

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// tlsINI is testINI with the submission and SMTPS listeners on free ports
// and POP3S for the POP3 instance.
const tlsINI = testINI + `[Config]
SubmissionPort=0
SMTPSPort=0
POP3SPort=0
`

var (
	fingerprintRE = regexp.MustCompile(`SHA-256 fingerprint ([0-9A-F:]{95})`)
	extraRE       = regexp.MustCompile(`listening on (\S+:\d+) \((submission|SMTPS|POP3S)\)`)
)

// extraAddrs waits for the extra listeners and returns their addresses.
func (in *instance) extraAddrs(names ...string) map[string]string {
	in.t.Helper()
	for _, n := range names {
		in.waitOutput("(" + n + ")")
	}
	out := map[string]string{}
	for _, m := range extraRE.FindAllStringSubmatch(in.out(), -1) {
		out[m[2]] = m[1]
	}
	return out
}

// fileFingerprint is the SHA-256 of the certificate in the PEM file.
func fileFingerprint(t *testing.T, path string) (string, *x509.CertPool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s holds no PEM", path)
	}
	sum := sha256.Sum256(b.Bytes)
	var parts []string
	for _, x := range sum {
		parts = append(parts, fmt.Sprintf("%02X", x))
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(data)
	return strings.Join(parts, ":"), pool
}

func smtpLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var last string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (after %q)", err, last)
		}
		last = strings.TrimRight(line, "\r\n")
		if len(last) < 4 || last[3] != '-' {
			return last
		}
	}
}

// TestTLSListeners runs the real binary with the self-signed certificate
// and every TLS listener: the summary shows them, the certificate is made
// once (key readable by its owner only) and its fingerprint printed, each
// port speaks as it should, and /stop ends them all.
func TestTLSListeners(t *testing.T) {
	t.Parallel()
	dir := newTree(t, tlsINI)
	smtp := start(t, dir)
	extra := smtp.extraAddrs("submission", "SMTPS")
	out := smtp.out()
	for _, want := range []string{"Listening on: 127.0.0.1:0 (submission", "Listening on: 127.0.0.1:0 (SMTPS", "STARTTLS: offered",
		"TLS required for MAIL: off", "TLS required for plain-text passwords: off", "made a self-signed TLS certificate"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q", want)
		}
	}
	certFile := filepath.Join(dir, "tls", "selfsigned.crt")
	want, pool := fileFingerprint(t, certFile)
	if m := fingerprintRE.FindStringSubmatch(out); m == nil || m[1] != want {
		t.Fatalf("printed fingerprint %v, the file's is %s:\n%s", m, want, out)
	}
	if runtime.GOOS != "windows" {
		if st, err := os.Stat(filepath.Join(dir, "tls", "selfsigned.key")); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v %v", st, err)
		}
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: "mx.test"}

	// Submission: STARTTLS offered, MAIL refused without AUTH.
	c, err := net.DialTimeout("tcp", extra["submission"], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(c)
	smtpLine(t, r)
	fmt.Fprintf(c, "EHLO client.example\r\n")
	if l := smtpLine(t, r); l != "250 STARTTLS" {
		t.Fatalf("submission EHLO ends with %q", l)
	}
	fmt.Fprintf(c, "MAIL FROM:<a@test.example>\r\n")
	if l := smtpLine(t, r); !strings.HasPrefix(l, "530 5.7.0") {
		t.Fatalf("submission MAIL without AUTH: %q", l)
	}
	// SMTPS: TLS from the first byte, the certificate checks out.
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", extra["SMTPS"], cfg)
	if err != nil {
		t.Fatalf("SMTPS: %v", err)
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(20 * time.Second))
	if l := smtpLine(t, bufio.NewReader(tc)); !strings.HasPrefix(l, "220 mx.test") {
		t.Fatalf("SMTPS greeting %q", l)
	}
	tc.Close()
	c.Close()
	// Each listener's sessions have ids of their own in the log.
	smtp.waitOutput(" sub1 ")
	smtp.waitOutput(" tls1 ")

	pop := start(t, dir, "/pop")
	popAddr := pop.extraAddrs("POP3S")["POP3S"]
	if m := fingerprintRE.FindStringSubmatch(pop.out()); m == nil || m[1] != want {
		t.Fatalf("the POP3 instance printed %v, want the same certificate %s", m, want)
	}
	pc, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", popAddr, cfg)
	if err != nil {
		t.Fatalf("POP3S: %v", err)
	}
	pc.SetDeadline(time.Now().Add(20 * time.Second))
	if l, _ := bufio.NewReader(pc).ReadString('\n'); !strings.HasPrefix(l, "+OK") {
		t.Fatalf("POP3S greeting %q", l)
	}
	pc.Close()

	if code, out := mailq(t, dir, "/stop"); code != 0 {
		t.Fatalf("/stop exit %d:\n%s", code, out)
	}
	smtp.wait(20 * time.Second)
	pop.wait(20 * time.Second)
	for _, a := range []string{smtp.addr, extra["submission"], extra["SMTPS"], pop.addr, popAddr} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after /stop", a)
		}
	}
}

// TestTLSBadCertificate: a configured pair that cannot be used stops the
// start with a message naming the problem.
func TestTLSBadCertificate(t *testing.T) {
	t.Parallel()
	dir := newTree(t, testINI+"[Config]\nTLSCert=certs/none.pem\nTLSKey=certs/none.key\n")
	in := startNoWait(t, dir)
	if code := in.wait(30 * time.Second); code == 0 {
		t.Fatalf("started with a missing certificate:\n%s", in.out())
	}
	if out := in.out(); !strings.Contains(out, "cannot use the TLS certificate") || !strings.Contains(out, filepath.Join(dir, "certs", "none.pem")) {
		t.Fatalf("output:\n%s", out)
	}
}
