package smtp

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"mailq/accounts"
	"mailq/internal/testutil"
	"mailq/route"
)

// jorg is an account whose name is not ASCII, made with /adduser's code.
const jorg = "jörg@test.example"

// utf8Accounts gives the server its own accounts, with jorg.
func utf8Accounts(t *testing.T) func(*Options) {
	t.Helper()
	dir := t.TempDir()
	ao := accounts.Options{INI: filepath.Join(dir, "mailq.ini"), Key: filepath.Join(dir, "mailq.key")}
	if err := accounts.Add(ao, "JÖRG@test.example", "pw"); err != nil {
		t.Fatal(err)
	}
	st, err := accounts.Open(ao.INI, ao.Key)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) {
		o.Accounts = st
		o.Routes = route.New(o.Domains, nil, st.Exists)
	}
}

// TestSMTPUTF8 checks the receiving side of RFC 6531: the EHLO keyword; a
// UTF-8 path refused with 553 5.6.7 without the SMTPUTF8 parameter and
// accepted with it; a U-label domain taken as its A-label; the flag in the
// .auth file and the Received "with" (§4.3); and the next transaction
// without the parameter is ASCII again.
func TestSMTPUTF8(t *testing.T) {
	t.Parallel()
	ts := startServer(t, utf8Accounts(t))
	c, _ := dial(t, ts.addr)
	if r := c.cmd("EHLO client.example"); !strings.Contains(r, "\n250-SMTPUTF8\n") {
		t.Fatalf("EHLO does not offer SMTPUTF8:\n%s", r)
	}
	c.expect("MAIL FROM:<jörg@bücher.example>", "553 5.6.7 ")
	c.expect("MAIL FROM:<jörg@bücher.example> SMTPUTF8=x", "555 ")
	c.expect("MAIL FROM:<jörg@bücher.example> SMTPUTF8", "250 2.1.0 <jörg@xn--bcher-kva.example> Sender OK")
	c.expect("RCPT TO:<jo\u0308rg@test.example>", "250 2.1.5 <jörg@test.example> Recipient OK") // NFD: the same account
	c.expect("RCPT TO:<JÖRG@TEST.EXAMPLE>", "250 2.1.5 <JÖRG@TEST.EXAMPLE> Recipient OK (duplicate)")
	c.expect("RCPT TO:<a\u2215b@test.example>", "5") // a look-alike of "/": never a folder
	c.expect("DATA", "354 ")
	c.write("Subject: Grüße\r\nFrom: Jörg <jörg@bücher.example>\r\n\r\nSchöne Grüße\r\n.\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("DATA: %q", r)
	}
	eml, env := ts.only(t)
	if !env.SMTPUTF8 || env.From != "jörg@xn--bcher-kva.example" || len(env.Recipients) != 1 || env.Recipients[0].Addr != jorg {
		t.Fatalf("envelope %+v", env)
	}
	if !strings.Contains(eml, " with UTF8SMTP") || !strings.Contains(eml, "Subject: Grüße\r\n") {
		t.Fatalf("message:\n%s", eml)
	}
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+jorg+">", "553 5.6.7 ")
}

// TestPythonSmtplibUTF8 sends to a UTF-8 address with Python's smtplib and
// mail_options=['SMTPUTF8'], which smtplib sends only to a server that
// offers it; the message lands under the account's NFC name.
func TestPythonSmtplibUTF8(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	ts := startServer(t, utf8Accounts(t))
	host, port, _ := net.SplitHostPort(ts.addr)
	const script = `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), local_hostname="python.example")
msg = "From: Jörg <jörg@bücher.example>\r\nTo: jörg@test.example\r\nSubject: python utf8\r\n\r\nSchöne Grüße\r\n"
refused = s.sendmail("jörg@bücher.example", ["JÖRG@test.example"], msg.encode("utf-8"), mail_options=["SMTPUTF8"])
s.quit()
print("ok", refused)
`
	if out := run(t, "", py, "-c", script, host, port); !strings.Contains(out, "ok {}") {
		t.Fatalf("python: %s", out)
	}
	eml, env := ts.findMessage(t, "Subject: python utf8\r\n")
	if !env.SMTPUTF8 || env.From != "jörg@xn--bcher-kva.example" || env.Recipients[0].Addr != "JÖRG@test.example" {
		t.Fatalf("envelope %+v", env)
	}
	if !strings.Contains(eml, "Schöne Grüße\r\n") {
		t.Fatalf("message:\n%s", eml)
	}
}
