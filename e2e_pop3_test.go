package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/queue"
)

// popClient is a line-at-a-time POP3 client for the end-to-end tests.
type popClient struct {
	t     *testing.T
	c     net.Conn
	r     *bufio.Reader
	greet string
}

func popDial(t *testing.T, addr string) *popClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &popClient{t: t, c: c, r: bufio.NewReader(c)}
	p.greet = p.line()
	return p
}

func (p *popClient) line() string {
	p.t.Helper()
	p.c.SetReadDeadline(time.Now().Add(15 * time.Second))
	s, err := p.r.ReadString('\n')
	if err != nil {
		p.t.Fatalf("read: %v (%q)", err, s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// must sends a command; the reply's first line must start with want.
func (p *popClient) must(want, format string, args ...any) string {
	p.t.Helper()
	fmt.Fprintf(p.c, format+"\r\n", args...)
	got := p.line()
	if !strings.HasPrefix(got, want) {
		p.t.Fatalf("%s: got %q, want %q...", fmt.Sprintf(format, args...), got, want)
	}
	return got
}

// body reads a multi-line body up to its terminator.
func (p *popClient) body() string {
	p.t.Helper()
	var b strings.Builder
	for {
		l := p.line()
		if l == "." {
			return b.String()
		}
		b.WriteString(l + "\n")
	}
}

func (p *popClient) login(user, pw string) {
	p.t.Helper()
	p.must("+OK", "USER %s", user)
	p.must("+OK", "PASS %s", pw)
}

// deliverTo puts a message into addr's mailbox in the tree of the
// mailq.ini in dir (default paths), as the MDA would.
func deliverTo(t *testing.T, dir, addr string, id queue.ID, content string) {
	t.Helper()
	p := config.DefaultPaths(dir)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry,
		Sent: p.Sent, Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Deliver(addr, false, id, nil, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}

func addUser(t *testing.T, dir, addr, pw string) {
	t.Helper()
	if code, out := mailq(t, dir, "/adduser:"+addr, "/pw:"+pw); code != 0 {
		t.Fatalf("/adduser exit %d:\n%s", code, out)
	}
}

const popUser, popPW = "alice@test.example", "s3cret pass"

// TestPOP3Session runs a whole session against the real binary: greeting with
// an APOP timestamp, login, STAT, RETR, DELE, QUIT removing the message, the
// CSV log, and /stop telling a logged-in session the server is going away
// without deleting what it marked.
func TestPOP3Session(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	addUser(t, dir, popUser, popPW)
	deliverTo(t, dir, popUser, "2025010100000000000001", "Subject: one\r\n\r\n.first\r\n")
	deliverTo(t, dir, popUser, "2025010100000000000002", "Subject: two\n\nsecond")
	pop := start(t, dir, "/pop")

	p := popDial(t, pop.addr)
	if !regexp.MustCompile(`^\+OK mx\.test mailq POP3 server ready <\d+\.[0-9A-F]{16}@mx\.test>$`).MatchString(p.greet) {
		t.Fatalf("greeting %q", p.greet)
	}
	p.login(popUser, popPW)
	p.must("+OK 2 48", "STAT")
	p.must("+OK 24 octets", "RETR 1")
	if got := p.body(); got != "Subject: one\n\n..first\n" {
		t.Fatalf("RETR 1 body %q", got)
	}
	p.must("+OK", "DELE 1")
	p.must("+OK bye (1 message deleted)", "QUIT")
	mbox := filepath.Join(dir, "users", popUser)
	if _, err := os.Stat(filepath.Join(mbox, "2025010100000000000001.eml")); !os.IsNotExist(err) {
		t.Fatalf("deleted message still there: %v", err)
	}

	p = popDial(t, pop.addr)
	p.login(popUser, popPW)
	p.must("+OK 1 2025010100000000000002", "UIDL 1")
	p.must("+OK", "DELE 1")
	if code, out := mailq(t, dir, "/stop:pop"); code != 0 {
		t.Fatalf("/stop:pop exit %d:\n%s", code, out)
	}
	if got := p.line(); got != "-ERR [SYS/TEMP] server shutting down" {
		t.Fatalf("session got %q at /stop", got)
	}
	if code := pop.wait(15 * time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if _, err := os.Stat(filepath.Join(mbox, "2025010100000000000002.eml")); err != nil {
		t.Fatalf("message marked in a session ended by /stop was removed: %v", err)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "pop3-*.log"))
	if len(logs) != 1 {
		t.Fatalf("pop3 log files: %v", logs)
	}
	data, _ := os.ReadFile(logs[0])
	if !strings.Contains(string(data), popUser+" logged in from [127.0.0.1] (USER)") {
		t.Fatalf("pop3 log lacks the login:\n%s", data)
	}
}

// TestPOP3InUseAcrossInstances runs two POP3 instances from two folders
// sharing one user folder: the mailbox lock holds across the processes.
func TestPOP3InUseAcrossInstances(t *testing.T) {
	t.Parallel()
	dir1 := newTree(t, "")
	users := filepath.Join(dir1, "users")
	dir2 := newTree(t, strings.Replace(testINI, "[MDA]\n", "[MDA]\nUserPath="+users+"\n", 1))
	for _, d := range []string{dir1, dir2} {
		addUser(t, d, popUser, popPW)
	}
	deliverTo(t, dir1, popUser, "2025010100000000000001", "Subject: one\r\n\r\nx\r\n")
	pop1 := start(t, dir1, "/pop")
	pop2 := start(t, dir2, "/pop")

	p1 := popDial(t, pop1.addr)
	p1.login(popUser, popPW)
	p2 := popDial(t, pop2.addr)
	p2.must("+OK", "USER %s", popUser)
	p2.must("-ERR [IN-USE]", "PASS %s", popPW)
	p1.must("+OK", "QUIT")
	p2.must("+OK", "USER %s", popUser)
	p2.must("+OK", "PASS %s", popPW)
	p2.must("+OK 1 ", "STAT")
}

// TestPOP3StaleLockAfterKill kills the instance (kill -9) while a session
// holds a mailbox lock; a new instance takes the stale lock over, and the
// deletion the killed session had marked did not happen.
func TestPOP3StaleLockAfterKill(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	addUser(t, dir, popUser, popPW)
	deliverTo(t, dir, popUser, "2025010100000000000001", "Subject: one\r\n\r\nx\r\n")
	pop := start(t, dir, "/pop")
	p := popDial(t, pop.addr)
	p.login(popUser, popPW)
	p.must("+OK", "DELE 1")
	lock := filepath.Join(dir, "users", popUser, "mailbox.lck")
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("no mailbox lock while logged in: %v", err)
	}
	pop.cmd.Process.Kill()
	pop.wait(10 * time.Second)

	again := start(t, dir, "/pop")
	p = popDial(t, again.addr)
	p.login(popUser, popPW)
	p.must("+OK 1 ", "STAT")
	// The line is printed before the login's reply, but reaches us through
	// a pipe read by another goroutine: wait for it.
	again.waitOutput("took over the stale lock of mailbox " + popUser)
}

// TestLoginLockSharedByInstances: failed logins over SMTP AUTH and POP3
// count together (the instances share failedlogins.txt), so two wrong SMTP
// passwords and one wrong POP3 password lock the account with
// MaxFailedLoginsPerAccount=3 (which counts loopback too); both servers then
// name the lock, for the right password too; /UNLOCK ends it while they run.
func TestLoginLockSharedByInstances(t *testing.T) {
	t.Parallel()
	dir := newTree(t, strings.Replace(testINI, "[Config]\n", "[Config]\nMaxFailedLoginsPerAccount=3\n", 1))
	addUser(t, dir, popUser, popPW)
	smtpIn := start(t, dir)
	pop := start(t, dir, "/pop")
	plain := func(pw string) string {
		return base64.StdEncoding.EncodeToString([]byte("\x00" + popUser + "\x00" + pw))
	}
	testutil.Transcript(t, smtpIn.addr, `
S~ ^220
C: EHLO client.example
S* 250-
S~ ^250 
C: AUTH PLAIN `+plain("wrong1")+`
S: 535 5.7.8 Authentication credentials invalid
C: AUTH PLAIN `+plain("wrong2")+`
S: 535 5.7.8 Authentication credentials invalid
C: QUIT
S~ ^221
= closed
`)
	p := popDial(t, pop.addr)
	p.must("+OK", "USER %s", popUser)
	p.must("-ERR [AUTH] authentication failed", "PASS wrong3")
	p.must("+OK", "USER %s", popUser)
	p.must("-ERR [AUTH] account locked after too many failed logins; try again later", "PASS %s", popPW)
	testutil.Transcript(t, smtpIn.addr, `
S~ ^220
C: EHLO client.example
S* 250-
S~ ^250 
C: AUTH PLAIN `+plain(popPW)+`
S: 454 4.7.0 Account locked after too many failed logins; try again later
C: QUIT
S~ ^221
= closed
`)
	if out := pop.out(); !strings.Contains(out, "/UNLOCK:"+popUser) {
		t.Errorf("the POP3 console does not name /UNLOCK:\n%s", out)
	}
	code, out := mailq(t, dir, "/unlock:"+popUser)
	if code != 0 || !strings.Contains(out, "unlocked") {
		t.Fatalf("/unlock exit %d:\n%s", code, out)
	}
	p.login(popUser, popPW)
	p.must("+OK 0 0", "STAT")
	testutil.Transcript(t, smtpIn.addr, `
S~ ^220
C: EHLO client.example
S* 250-
S~ ^250 
C: AUTH PLAIN `+plain(popPW)+`
S~ ^235
C: QUIT
S~ ^221
= closed
`)
}

// TestPOP3RefusesRPOP checks that /RPOP stops the POP3 instance from
// starting, with a message that says why and what to use instead.
func TestPOP3RefusesRPOP(t *testing.T) {
	t.Parallel()
	dir := newTree(t, "")
	in := startNoWait(t, dir, "/pop", "/rpop")
	if code := in.wait(30 * time.Second); code != exitFailed {
		t.Fatalf("exit code %d, want %d:\n%s", code, exitFailed, in.out())
	}
	out := in.out()
	if !strings.Contains(out, "RPOP logins are not supported") || !strings.Contains(out, "APOP") {
		t.Fatalf("output does not explain the refusal:\n%s", out)
	}
	if strings.Contains(out, "listening on") {
		t.Fatalf("listened before refusing:\n%s", out)
	}
}

// TestPOP3ReadsWhatSMTPDelivered runs both instances from one folder: mail
// sent through the SMTP instance and filed by its MDA appears in a later
// POP3 session (never in the one already open), arrives byte for byte as the
// client sent it below the MDA's trace lines, and is gone after DELE and
// QUIT. An alias of the account cannot log in: only accounts can.
func TestPOP3ReadsWhatSMTPDelivered(t *testing.T) {
	t.Parallel()
	ini := testINI + "[EmailAlias]\nItem1=sales@test.example,alice@test.example\n"
	ini = strings.Replace(ini, "Enabled=False", "Enabled=True", 1)
	dir := newTree(t, ini)
	addUser(t, dir, popUser, popPW)
	// /NOTLS: net/smtp.SendMail uses STARTTLS when offered and checks the
	// certificate, which the self-signed one does not pass.
	smtpIn := start(t, dir, "/RELAY:2", "/NOTLS")
	pop := start(t, dir, "/pop")

	open := popDial(t, pop.addr)
	open.login(popUser, popPW)
	open.must("+OK 0 0", "STAT")

	body := "Subject: round trip\r\n\r\nfirst line\r\n.a line with a leading dot\r\n..\r\nlast line\r\n"
	if err := smtp.SendMail(smtpIn.addr, nil, "sender@far.example", []string{"sales@test.example"}, []byte(body)); err != nil {
		t.Fatalf("send: %v\n%s", err, smtpIn.out())
	}
	popWaitFiles(t, filepath.Join(dir, "users", popUser, "*.eml"), 1)
	open.must("+OK 0 0", "STAT") // the open session keeps its listing (RFC 1939 §5)
	open.must("+OK bye", "QUIT")
	p := popLoginEventually(t, pop.addr)
	p.must("+OK 1 ", "STAT")

	got := p.must("+OK", "RETR 1")
	msg := p.body()
	var size int
	fmt.Sscanf(got, "+OK %d octets", &size)
	// body() gives lines ending in "\n" with the stuffing still on.
	unstuffed := regexp.MustCompile(`(?m)^\.`).ReplaceAllString(msg, "")
	// The SMTP side adds trace lines and missing headers (FixHeaders); the
	// body must come through untouched.
	_, sentBody, _ := strings.Cut(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n")
	if !strings.HasSuffix(unstuffed, "\n\n"+sentBody) || !strings.Contains(unstuffed, "\nSubject: round trip\n") {
		t.Fatalf("RETR 1 gave\n%s\nwhich does not end with the body sent:\n%s", unstuffed, sentBody)
	}
	if !strings.Contains(msg, "\n..a line with a leading dot\n...\n") {
		t.Fatalf("dot lines not stuffed on the wire:\n%s", msg)
	}
	if lines := strings.Count(msg, "\n"); size != len(unstuffed)+lines {
		t.Fatalf("announced %d octets, received %d (CRLF counted)", size, len(unstuffed)+lines)
	}
	p.must("+OK", "DELE 1")
	p.must("+OK bye (1 message deleted)", "QUIT")
	if left, _ := filepath.Glob(filepath.Join(dir, "users", popUser, "*.eml")); len(left) != 0 {
		t.Fatalf("left in the mailbox after DELE and QUIT: %q", left)
	}

	alias := popDial(t, pop.addr)
	alias.must("+OK", "USER sales@test.example")
	alias.must("-ERR [AUTH] authentication failed", "PASS %s", popPW)
}

// popWaitFiles waits until pattern matches want files: another process
// (the MDA) writes them, so there is nothing to wait on but the folder.
func popWaitFiles(t *testing.T, pattern string, want int) {
	t.Helper()
	var got []string
	testutil.EventuallyShow(t, fmt.Sprintf("%d files matching %s", want, pattern), func() bool {
		got, _ = filepath.Glob(pattern)
		return len(got) == want
	}, func() string { return fmt.Sprint(got) })
}

// popLoginEventually logs in, trying again while the mailbox is still locked
// by a session that has sent its QUIT and is ending.
func popLoginEventually(t *testing.T, addr string) *popClient {
	t.Helper()
	var p *popClient
	testutil.Eventually(t, "the mailbox free for a login", func() bool {
		p = popDial(t, addr)
		p.must("+OK", "USER %s", popUser)
		fmt.Fprintf(p.c, "PASS %s\r\n", popPW)
		got := p.line()
		if strings.HasPrefix(got, "+OK") {
			return true
		}
		if !strings.HasPrefix(got, "-ERR [IN-USE]") {
			t.Fatalf("PASS: %q", got)
		}
		p.c.Close()
		return false
	})
	return p
}
