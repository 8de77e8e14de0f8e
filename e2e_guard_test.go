package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// The abuse controls in the real binary: the guards are wired into both
// instances, and the instances share ipblock.txt and the POP-before-SMTP
// file through the tree.

// TestGuardAutoBanSharedByInstances: failed POP3 logins ban the address in
// ipblock.txt; the SMTP instance then refuses it at connect too; removing the
// line lets it in again. LimitLocal=True makes loopback bannable; failed
// logins are not failed commands, so MaxFailedCommands=2 does not end the
// session before AutoBan=3.
func TestGuardAutoBanSharedByInstances(t *testing.T) {
	t.Parallel()
	dir := newTree(t, strings.Replace(testINI, "LogLevel=2\n", "LogLevel=2\nAutoBan=3\nMaxFailedCommands=2\nLimitLocal=True\n", 1))
	addUser(t, dir, "u@test.example", "right")
	smtpIn := start(t, dir)
	popIn := start(t, dir, "/POP")

	testutil.Transcript(t, popIn.addr, `
S~ ^\+OK
C: USER u@test.example
S~ ^\+OK
C: PASS wrong
S~ ^-ERR \[AUTH\]
C: USER u@test.example
S~ ^\+OK
C: PASS wrong again
S~ ^-ERR \[AUTH\]
C: USER u@test.example
S~ ^\+OK
C: PASS third time
S: -ERR [AUTH] too many failed logins; closing connection
= closed
`)
	block := filepath.Join(dir, "ipblock.txt")
	data, err := os.ReadFile(block)
	if err != nil || !strings.Contains(string(data), "127.0.0.1  # banned ") || !strings.Contains(string(data), "by POP3: 3 failed logins") {
		t.Fatalf("ipblock.txt after the ban (%v):\n%s", err, data)
	}
	testutil.Transcript(t, smtpIn.addr, `
S~ ^554 5\.7\.1 Access denied: \[127\.0\.0\.1\] is on this server's block list
C: EHLO client.example
S~ ^503 5\.5\.1 No service
C: QUIT
S~ ^221
= closed
`)
	testutil.Transcript(t, popIn.addr, `
S~ ^-ERR \[SYS/PERM\] access denied
= closed
`)
	if !strings.Contains(popIn.out(), "banned after 3 failed logins") || !strings.Contains(smtpIn.out(), "refused by ipblock: 127.0.0.1") {
		t.Errorf("the logs do not name the rule:\nPOP3:\n%s\nSMTP:\n%s", popIn.out(), smtpIn.out())
	}

	// The administrator takes the line out: both instances serve again once
	// they notice the change (the cached list is checked once a second).
	if err := os.WriteFile(block, []byte("# unbanned\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{smtpIn.addr, popIn.addr} {
		waitServed(t, addr)
	}
}

// waitServed waits until the server at addr greets with a positive reply.
func waitServed(t *testing.T, addr string) {
	t.Helper()
	var g string
	testutil.EventuallyShow(t, addr+" greeting with a positive reply", func() bool {
		g = greeting(t, addr)
		return strings.HasPrefix(g, "220") || strings.HasPrefix(g, "+OK")
	}, func() string { return "last greeting " + g })
}

// TestGuardPOPBeforeSMTP: at relay level 2 an unauthenticated client may
// not send to another domain. A POP3 login from loopback does not change
// that (behind a proxy on this host every client is loopback), and the POP3
// instance says why; logins from other addresses do open relaying, which the
// open-relay matrix in package guard checks against a real SMTP server.
func TestGuardPOPBeforeSMTP(t *testing.T) {
	t.Parallel()
	dir := newTree(t, strings.Replace(testINI, "LogLevel=2\n", "LogLevel=2\nPOPBeforeSMTPMinutes=5\nSMTPRelay=2\n", 1))
	addUser(t, dir, "u@test.example", "right")
	smtpIn := start(t, dir)
	popIn := start(t, dir, "/POP")
	relay := func(want string) {
		t.Helper()
		testutil.Transcript(t, smtpIn.addr, `
S~ ^220
C: EHLO client.example
S* 250-
S~ ^250 
C: MAIL FROM:<u@test.example>
S~ ^250
C: RCPT TO:<someone@elsewhere.example>
S~ ^`+want+`
C: RCPT TO:<u@test.example>
S~ ^250 2\.1\.5
C: QUIT
S~ ^221
`)
	}
	relay(`550 5\.7\.1 Relaying denied`)
	testutil.Transcript(t, popIn.addr, `
S~ ^\+OK
C: USER u@test.example
S~ ^\+OK
C: PASS right
S~ ^\+OK
C: QUIT
S~ ^\+OK
`)
	popIn.waitOutput("gives no relaying right")
	if _, err := os.Stat(filepath.Join(dir, "popbeforesmtp.txt")); !os.IsNotExist(err) {
		t.Fatalf("a loopback login was recorded for POP-before-SMTP: %v", err)
	}
	relay(`550 5\.7\.1 Relaying denied`)
}
