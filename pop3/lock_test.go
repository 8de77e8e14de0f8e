package pop3

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mailq/lockfile"
)

// TestInUse checks that a second session for a mailbox is refused with
// [IN-USE] (RFC 2449 §8.1.1), only after its password was accepted, and that
// the mailbox is free again once the first session ends.
func TestInUse(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	first := dial(t, e.addr)
	first.login(alice, alicePW)

	second := dial(t, e.addr)
	second.must("+OK", "USER %s", alice)
	second.must("-ERR [AUTH] authentication failed", "PASS wrong")
	second.must("+OK", "USER %s", alice)
	second.must("-ERR [IN-USE] mailbox is in use by another session", "PASS %s", alicePW)
	// Still in AUTHORIZATION: another account works on the same connection.
	second.login(bob, bobPW)
	second.must("+OK 0 0", "STAT")

	first.must("+OK", "QUIT")
	third := dial(t, e.addr)
	third.login(alice, alicePW)
	third.must("+OK 3 143", "STAT")
}

// TestInUseAcrossProcesses checks the mailbox lock between two server
// processes sharing one tree, in both directions.
func TestInUseAcrossProcesses(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	other := startHelper(t, e.dir)

	cl := dial(t, other.addr)
	cl.login(alice, alicePW)
	local := dial(t, e.addr)
	local.must("+OK", "USER %s", alice)
	local.must("-ERR [IN-USE]", "PASS %s", alicePW)

	local.login(bob, bobPW)
	remote := dial(t, other.addr)
	remote.must("+OK", "USER %s", bob)
	remote.must("-ERR [IN-USE]", "PASS %s", bobPW)

	cl.must("+OK", "DELE 1")
	cl.must("+OK bye (1 message deleted)", "QUIT")
	again := dial(t, e.addr)
	again.login(alice, alicePW)
	again.must("+OK 2 88", "STAT")
}

// TestStaleLockRecovered kills a server process while it holds a mailbox
// lock; the next login takes the stale lock over (DURABILITY rule 10), and
// the deletion the killed session had marked did not happen.
func TestStaleLockRecovered(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	other := startHelper(t, e.dir)
	cl := dial(t, other.addr)
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	lockPath := filepath.Join(e.mailboxDir(alice), "mailbox.lck")
	owner, err := lockfile.Read(lockPath)
	if err != nil || owner.PID != other.cmd.Process.Pid {
		t.Fatalf("lock file owner %+v (%v), want the helper's pid %d", owner, err, other.cmd.Process.Pid)
	}
	other.kill()

	local := dial(t, e.addr)
	local.login(alice, alicePW)
	local.must("+OK 3 143", "STAT")
	if !strings.Contains(e.log.String(), "took over the stale lock of mailbox "+alice) {
		t.Fatalf("take-over not logged:\n%s", e.log)
	}
	owner, err = lockfile.Read(lockPath)
	if err != nil || owner.PID != os.Getpid() {
		t.Fatalf("lock file owner %+v (%v), want this process %d", owner, err, os.Getpid())
	}
	local.must("+OK", "QUIT")
	if _, err := os.Stat(lockPath); !os.IsNotExist(err) {
		t.Fatalf("lock file left after QUIT: %v", err)
	}
}

// TestLockFileOfDeadPID checks the take-over of a lock file written by hand
// for a process id that does not run.
func TestLockFileOfDeadPID(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	host, _ := os.Hostname()
	dead := "999999999\nmailq-lock=1\nhost=" + host + "\nexe=/usr/bin/mailq\n" +
		"started=2020-01-02T03:04:05Z\ninstance=0011223344556677\ntoken=00112233445566778899aabbccddeeff\n"
	lockPath := filepath.Join(e.mailboxDir(alice), "mailbox.lck")
	if err := os.WriteFile(lockPath, []byte(dead), 0o644); err != nil {
		t.Fatal(err)
	}
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	cl.must("+OK 3 143", "STAT")
	if !strings.Contains(e.log.String(), strconv.Itoa(999999999)) {
		t.Fatalf("take-over reason not logged:\n%s", e.log)
	}
}
