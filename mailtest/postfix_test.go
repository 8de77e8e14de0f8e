//go:build unix

package mailtest

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"mailq/internal/benchutil"
	"mailq/internal/testutil"
)

// TestSMTPAgainstPostfix runs mailtest's SMTP modes against Postfix's smtpd
// in a throwaway instance (its own configuration, queue and data folders in
// a temporary folder, the master daemon in the foreground, stopped by its
// process id), so the exit codes are checked against a server we did not
// write. Postfix without SASL answers AUTH with 503 and STARTTLS with 502:
// the manual's table then gives 6, 7 and 9 for the three mechanisms and 10
// for the rest.
func TestSMTPAgainstPostfix(t *testing.T) {
	t.Parallel()
	addr := postfixSMTPD(t)
	const pw = "s3cret"
	cases := []struct {
		name  string
		args  []string
		want  int
		trace string // a line the trace must hold
	}{
		{"helo", []string{"a@x.test", "b@example.org"}, ExitOK, "250 2.0.0 Ok: queued as "},
		{"ehlo", []string{"a@x.test", "b@example.org", "/EHLO"}, ExitOK, "250-SIZE 100000"},
		{"null sender", []string{"<>", "b@example.org", "/EHLO"}, ExitOK, "MAIL FROM:<> SIZE="},
		{"count html", []string{"a@x.test", "b@example.org", "/COUNT:3", "/HTML"}, ExitOK, "queued as "},
		{"plain", []string{"a@x.test", "b@example.org", pw, "/AUTHPLAIN", "/EHLO"}, ExitAuthPlain, "503 5.5.1 Error: authentication not enabled"},
		{"login", []string{"a@x.test", "b@example.org", pw, "/AUTHLOGIN"}, ExitAuthLogin, "503 5.5.1 Error: authentication not enabled"},
		{"cram", []string{"a@x.test", "b@example.org", pw, "/AUTHCRAM", "/EHLO"}, ExitCRAMNoReply, "503 5.5.1 Error: authentication not enabled"},
		{"best of none", []string{"a@x.test", "b@example.org", pw, "/EHLO"}, ExitSMTPFailure, "no AUTH mechanism"},
		{"rcpt refused", []string{"a@x.test", "refused@example.org"}, ExitSMTPFailure, "554 5.7.1 <refused@example.org>: Recipient address rejected"},
		{"size declared", []string{"a@x.test", "b@example.org", "/SIZE:200000", "/EHLO"}, ExitSMTPFailure, "552 5.3.4 Message size exceeds fixed limit"},
		{"size sent", []string{"a@x.test", "b@example.org", "/SIZE:200000"}, ExitSMTPFailure, "552 5.3.4 Error: message file too big"},
		{"starttls", []string{"a@x.test", "b@example.org", "/STARTTLS", "/EHLO"}, ExitSMTPFailure, "502 5.5.1 Error: command not implemented"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, out := runAgainst(t, addr, c.args...)
			if code != c.want || !strings.Contains(out, c.trace) {
				t.Fatalf("exit %d, want %d and %q in the trace:\n%s", code, c.want, c.trace, out)
			}
			if strings.Contains(out, pw) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("\x00a@x.test\x00"+pw))) {
				t.Errorf("the trace shows the password:\n%s", out)
			}
			if c.name == "count html" && strings.Count(out, "queued as ") != 3 {
				t.Errorf("/COUNT:3: %d messages queued, want 3:\n%s", strings.Count(out, "queued as "), out)
			}
		})
	}
}

// postfixSMTPD starts a private Postfix (benchutil.StartPostfix) whose
// smtpd listens on a free loopback port and discards what it accepts; it
// returns the address.
func postfixSMTPD(t *testing.T) string {
	t.Helper()
	testutil.Program(t, "postfix")
	if _, err := benchutil.PostfixMaster(); err != nil {
		testutil.Unavailable(t, "%v", err)
	}
	dir, err := os.MkdirTemp("", "mailq-postfix")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := benchutil.FreePort()
	cmd, err := benchutil.StartPostfix(dir, addr, []string{
		"myhostname = postfix.test",
		"smtpd_recipient_restrictions = check_recipient_access inline:{refused@example.org=REJECT}",
		"message_size_limit = 100000",
		"default_transport = discard", // nothing is sent anywhere
		"relay_transport = discard",
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { benchutil.Stop(cmd) }) // master ends its daemons
	return addr
}
