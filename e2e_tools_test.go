package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailq/resolve/dnstest"
)

// TestMailtestAgainstMailq drives the built-in mailtest against real SMTP and
// POP3 instances: every login mechanism, success and failure, through the
// /MAILTEST switch and through a copy of the binary named mailtest, with the
// original's exit codes.
func TestMailtestAgainstMailq(t *testing.T) {
	t.Parallel()
	dir := newTree(t, strings.Replace(testINI, "Enabled=False", "Enabled=True", 1))
	addUser(t, dir, popUser, popPW)
	smtpIn := start(t, dir, "/RELAY:2")
	pop := start(t, dir, "/pop")
	host, smtpPort := splitAddr(t, smtpIn.addr)
	_, popPort := splitAddr(t, pop.addr)

	// The binary under the original tool's name behaves as the tool.
	named := filepath.Join(t.TempDir(), "mailtest")
	if err := os.Link(binary, named); err != nil {
		t.Fatal(err)
	}

	smtpCases := []struct {
		name string
		args []string
		want int
	}{
		{"no login", []string{"someone@far.example", popUser}, 0},
		{"plain", []string{popUser, popUser, popPW, "/AUTHPLAIN"}, 0},
		{"login", []string{popUser, popUser, popPW, "/AUTHLOGIN"}, 0},
		{"cram", []string{popUser, popUser, popPW, "/AUTHCRAM", "/HTML", "/SIZE:20000", "/COUNT:2"}, 0},
		{"best offered", []string{popUser, popUser, popPW}, 0},
		{"plain wrong", []string{popUser, popUser, "wrong", "/AUTHPLAIN"}, 6},
		{"login wrong", []string{popUser, popUser, "wrong", "/AUTHLOGIN"}, 7},
		{"cram wrong", []string{popUser, popUser, "wrong", "/AUTHCRAM"}, 8},
		{"relay refused", []string{"someone@far.example", "other@far.example"}, 10},
	}
	for _, c := range smtpCases {
		args := append([]string{"/mailtest", host}, c.args...)
		args = append(args, "/PORT:"+smtpPort)
		code, out := mailq(t, dir, args...)
		if code != c.want {
			t.Fatalf("SMTP %s: exit %d, want %d:\n%s", c.name, code, c.want, out)
		}
		if strings.Contains(out, popPW) {
			t.Fatalf("SMTP %s: the trace shows the password:\n%s", c.name, out)
		}
	}
	// 1 (no login) + 1 + 1 + 2 (COUNT:2) + 1 messages were accepted.
	popWaitFiles(t, filepath.Join(dir, "users", popUser, "*.eml"), 6)

	popCases := []struct {
		name string
		args []string
		want int
	}{
		{"user pass", []string{popUser, popPW, "/POP"}, 0},
		{"apop", []string{popUser, popPW, "/POP", "/APOP"}, 0},
		{"rpop refused", []string{popUser, "/POP", "/RPOP"}, 2},
		{"wrong password", []string{popUser, "wrong", "/POP"}, 2},
	}
	for _, c := range popCases {
		args := append([]string{host}, c.args...)
		args = append(args, "/PORT:"+popPort)
		code, out := runExe(t, named, dir, args...)
		if code != c.want {
			t.Fatalf("POP3 %s: exit %d, want %d:\n%s", c.name, code, c.want, out)
		}
		if c.want == 0 && !strings.Contains(out, "Subject: Test message from mailtest") {
			t.Fatalf("POP3 %s: message 1's headers not shown:\n%s", c.name, out)
		}
	}
}

// TestMXQueryBinary runs /MXQUERY and a binary named mxquery against a
// scripted DNS server.
func TestMXQueryBinary(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t)
	dns.Add("mail.test. 300 IN MX 10 mx.mail.test.", "mx.mail.test. 300 IN A 192.0.2.5", "null.test. 300 IN MX 0 .")
	dir := newTree(t, "")
	code, out := mailq(t, dir, "/mxquery", "mail.test", "/dns:"+dns.Addr)
	if code != 0 || !strings.Contains(out, "10 mx.mail.test") || !strings.Contains(out, "192.0.2.5") {
		t.Fatalf("mailq /mxquery mail.test: exit %d:\n%s", code, out)
	}
	// DNSServer in mailq.ini is what the MXA uses, and so does mxquery.
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"),
		[]byte(strings.Replace(testINI, "[Config]\n", "[Config]\nDNSServer="+dns.Addr+"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	named := filepath.Join(t.TempDir(), "MXQuery.exe")
	if err := os.Link(binary, named); err != nil {
		t.Fatal(err)
	}
	code, out = runExe(t, named, dir, "null.test")
	if code != 4 || !strings.Contains(out, "null MX") || !strings.Contains(out, dns.Addr) {
		t.Fatalf("mxquery null.test: exit %d, want 4:\n%s", code, out)
	}
}
