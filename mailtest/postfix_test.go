//go:build unix

package mailtest

import (
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

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

// postfixSMTPD starts a private Postfix whose smtpd listens on a free
// loopback port and discards what it accepts; it returns the address.
// Postfix's master must be started by root (it drops to the postfix
// account for its daemons); it never reads or touches /etc/postfix/main.cf
// or the system's queue.
func postfixSMTPD(t *testing.T) string {
	t.Helper()
	testutil.Program(t, "postfix")
	master := "/usr/lib/postfix/sbin/master"
	if out, err := exec.Command("postconf", "-d", "-h", "daemon_directory").Output(); err == nil {
		master = filepath.Join(strings.TrimSpace(string(out)), "master")
	}
	if _, err := os.Stat(master); err != nil {
		testutil.Unavailable(t, "Postfix's master daemon: %v", err)
	}
	if os.Geteuid() != 0 {
		testutil.Unavailable(t, "Postfix's master daemon must be started by root")
	}
	pf, err := user.Lookup("postfix")
	if err != nil {
		testutil.Unavailable(t, "no postfix account: %v", err)
	}
	uid, _ := strconv.Atoi(pf.Uid)
	addr := freeLoopback(t)
	dir, err := os.MkdirTemp("", "mailq-postfix")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o755)) // the postfix account walks into queue/
	conf, queue := filepath.Join(dir, "conf"), filepath.Join(dir, "queue")
	must(os.MkdirAll(conf, 0o755))
	// The queue's folders as "postfix check" would make them (it takes
	// seconds): owned by the postfix account, pid/ by root.
	for _, d := range []string{"", "data", "queue/active", "queue/bounce", "queue/corrupt", "queue/defer", "queue/deferred",
		"queue/flush", "queue/hold", "queue/incoming", "queue/maildrop", "queue/private", "queue/public", "queue/saved", "queue/trace"} {
		p := filepath.Join(dir, d)
		must(os.MkdirAll(p, 0o700))
		if d != "" {
			must(os.Chown(p, uid, -1))
		}
	}
	must(os.Chmod(dir, 0o755))
	must(os.Chmod(queue, 0o755))
	must(os.Chown(queue, 0, -1))
	must(os.MkdirAll(filepath.Join(queue, "pid"), 0o755))
	mainCF := strings.Join([]string{
		"compatibility_level = 3.6",
		"queue_directory = " + queue,
		"data_directory = " + filepath.Join(dir, "data"),
		"mail_owner = postfix",
		"inet_interfaces = 127.0.0.1",
		"inet_protocols = ipv4",
		"myhostname = postfix.test",
		"mydestination =",
		"mynetworks = 127.0.0.0/8",
		"smtpd_relay_restrictions = permit_mynetworks, reject",
		"smtpd_recipient_restrictions = check_recipient_access inline:{refused@example.org=REJECT}",
		"message_size_limit = 100000",
		"default_transport = discard",
		"relay_transport = discard",
		"smtp_dns_support_level = disabled",
	}, "\n") + "\n"
	// One smtpd and what it needs to queue a message: no chroot, nothing
	// sent anywhere (the discard transport).
	masterCF := addr + " inet n - n - - smtpd\n" + `cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
discard unix - - n - - discard
error unix - - n - - error
retry unix - - n - - error
anvil unix - - n - 1 anvil
proxymap unix - - n - - proxymap
`
	must(os.WriteFile(filepath.Join(conf, "main.cf"), []byte(mainCF), 0o644))
	must(os.WriteFile(filepath.Join(conf, "master.cf"), []byte(masterCF), 0o644))
	log := &testutil.Buffer{}
	cmd := exec.Command(master, "-c", conf, "-d")
	cmd.Stdout, cmd.Stderr = log, log
	must(cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // master ends its daemons
		cmd.Wait()
	})
	testutil.EventuallyShow(t, "Postfix's smtpd listening on "+addr, testutil.Dials(addr), log.String)
	return addr
}

// freeLoopback returns a loopback address with a port free a moment ago:
// master.cf names the port, so Postfix cannot be given port 0.
func freeLoopback(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
