package smtp

import (
	"net"
	"strings"
	"testing"

	"mailq/internal/testutil"
	"mailq/queue"
)

// pythonDSN sends one message with the DSN parameters of RFC 3461 through
// smtplib, which sends them only when the server offers DSN.
const pythonDSN = `
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=30)
s.ehlo("python.example")
assert s.has_extn("dsn")
msg = b"From: a@elsewhere.example\r\nSubject: python dsn\r\n\r\nhi\r\n"
refused = s.sendmail("a@elsewhere.example", ["admin@test.example", "bob@test.example"], msg,
    mail_options=["RET=FULL", "ENVID=id+2Bone"],
    rcpt_options=["NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;Admin+40test.example"])
assert not refused
s.quit()
print("ok")
`

// TestDSNParameters: the parameters a real client sends with MAIL and
// RCPT are kept in the .auth, decoded (RFC 3461 §4: xtext), per recipient.
func TestDSNParameters(t *testing.T) {
	t.Parallel()
	py := testutil.Python(t, "smtplib")
	ts := startServer(t)
	host, port, _ := net.SplitHostPort(ts.addr)
	if out := run(t, "", py, "-c", pythonDSN, host, port); !strings.Contains(out, "ok") {
		t.Fatalf("python: %s", out)
	}
	_, env := ts.findMessage(t, "Subject: python dsn\r\n")
	if env.Ret != queue.RetFull || env.EnvID != "id+one" {
		t.Errorf("RET %v, ENVID %q", env.Ret, env.EnvID)
	}
	for _, r := range env.Recipients {
		if r.Notify != queue.NotifySuccess|queue.NotifyFailure || r.ORcpt != "rfc822;Admin@test.example" {
			t.Errorf("recipient %s: NOTIFY %v, ORCPT %q", r.Addr, r.Notify, r.ORcpt)
		}
	}
}

// TestDSNReset: RET and ENVID belong to one transaction: RSET, or a MAIL
// refused later for another reason, leaves none behind for the next.
func TestDSNReset(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example> RET=FULL ENVID=x", "250 ")
	c.expect("RSET", "250 ")
	c.expect("MAIL FROM:<a@elsewhere.example> RET=HDRS XFOO", "555 ")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<admin@test.example>", "250 ")
	c.expect("DATA", "354 ")
	c.expect("Subject: reset\r\n\r\nhi\r\n.", "250 ")
	_, env := ts.only(t)
	if env.Ret != queue.RetUnset || env.EnvID != "" || env.Recipients[0].Notify != 0 {
		t.Errorf("left over: RET %v, ENVID %q, NOTIFY %v", env.Ret, env.EnvID, env.Recipients[0].Notify)
	}
}
