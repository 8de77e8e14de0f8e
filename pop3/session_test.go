package pop3

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mailq/internal/testutil"
	"mailq/queue"
)

// TestOctetCounts checks, for stored messages of every awkward shape, that
// LIST, STAT and RETR's "+OK n octets" agree with each other and with the
// message the client has after removing the dot-stuffing (RFC 1939 §11).
func TestOctetCounts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, stored string
		received     string // what a client has after unstuffing
	}{
		{"crlf", "Subject: a\r\n\r\nbody\r\n", "Subject: a\r\n\r\nbody\r\n"},
		{"no final line end", "Subject: a\r\n\r\nbody", "Subject: a\r\n\r\nbody\r\n"},
		{"bare lf", "Subject: a\n\nx\ny\n", "Subject: a\r\n\r\nx\r\ny\r\n"},
		{"bare cr", "Subject: a\r\rx\r", "Subject: a\r\n\r\nx\r\n"},
		{"dot lines", ".\r\n..\r\n.x\r\n", ".\r\n..\r\n.x\r\n"},
		{"dot after bare lf", "a\n.\n", "a\r\n.\r\n"},
		{"terminator lookalike", "a\r\n.\r\nb\r\n", "a\r\n.\r\nb\r\n"},
		{"empty", "", ""},
		{"only newline", "\n", "\r\n"},
		{"long line", strings.Repeat("x", 100000), strings.Repeat("x", 100000) + "\r\n"},
	}
	e := newEnv(t)
	for i, c := range cases {
		e.deliver(t, bob, queue.ID(fmt.Sprintf("20240202000000%08d", i+1)), c.stored)
	}
	e.start(t)
	cl := dial(t, e.addr)
	cl.login(bob, bobPW)
	var total int
	for _, c := range cases {
		total += len(c.received)
	}
	if got := cl.cmd("STAT"); got != fmt.Sprintf("+OK %d %d", len(cases), total) {
		t.Fatalf("STAT = %q, want %d messages, %d octets", got, len(cases), total)
	}
	cl.must("+OK", "LIST")
	listing := strings.Split(strings.TrimSuffix(cl.body(), "\r\n"), "\r\n")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := i + 1
			want := len(c.received)
			if listing[i] != fmt.Sprintf("%d %d", n, want) {
				t.Errorf("LIST line %q, want size %d", listing[i], want)
			}
			if got := cl.cmd("RETR %d", n); got != fmt.Sprintf("+OK %d octets", want) {
				t.Errorf("RETR %d = %q, want %d octets", n, got, want)
			}
			got := unstuff(cl.body())
			if got != c.received {
				t.Errorf("RETR %d sent %q, want %q", n, got, c.received)
			}
		})
	}
}

// unstuff removes the byte-stuffing of a multi-line body (RFC 1939 §3).
func unstuff(wire string) string {
	lines := strings.SplitAfter(wire, "\r\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, ".")
	}
	return strings.Join(lines, "")
}

// TestUpdate checks what happens to messages marked with DELE, for each way
// a session can end (RFC 1939 §6).
func TestUpdate(t *testing.T) {
	t.Parallel()
	all := []string{"2024010112000000000001.eml", "2024010112000000000002.eml", "2024010112000000000003.eml"}
	cases := []struct {
		name    string
		archive bool
		script  func(cl *client)
		want    []string // the mailbox's message files afterwards
		test    bool     // /TEST
	}{
		{"dele then quit removes", false, func(cl *client) {
			cl.must("+OK", "DELE 1")
			cl.must("+OK", "DELE 3")
			cl.must("+OK bye (2 messages deleted)", "QUIT")
			cl.closed()
		}, all[1:2], false},
		{"dele then rset then quit keeps", false, func(cl *client) {
			cl.must("+OK", "DELE 1")
			cl.must("+OK", "RSET")
			cl.must("+OK bye (0 messages deleted)", "QUIT")
		}, all, false},
		{"dele then dropped connection keeps", false, func(cl *client) {
			cl.must("+OK", "DELE 1")
			cl.must("+OK", "DELE 2")
			cl.c.Close()
		}, all, false},
		{"rename on delete archives", true, func(cl *client) {
			cl.must("+OK", "DELE 2")
			cl.must("+OK bye (1 message deleted)", "QUIT")
		}, []string{all[0], all[2], "deleted/" + all[1]}, false},
		{"test mode keeps", true, func(cl *client) {
			cl.must("+OK", "DELE 2")
			cl.must("+OK", "DELE 3")
			cl.must("+OK bye (test mode: 2 marked messages kept)", "QUIT")
		}, all, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := startServer(t, func(o *Options) { o.POP.RenameOnDelete, o.Server.Test = c.archive, c.test })
			cl := dial(t, e.addr)
			cl.login(alice, alicePW)
			c.script(cl)
			// A new session can only start once the old one has ended and
			// released the lock, so it also waits for the update.
			cl2 := loginEventually(t, e.addr, alice, alicePW)
			cl2.must("+OK", "QUIT")
			got := e.mailboxFiles(t, alice)
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Fatalf("mailbox holds %v, want %v", got, c.want)
			}
		})
	}
}

// loginEventually logs in, retrying while the mailbox is still locked by a
// session that is ending.
func loginEventually(t *testing.T, addr, user, pw string) *client {
	t.Helper()
	var cl *client
	// The other session is ending.
	testutil.Eventually(t, "the mailbox free for a login", func() bool {
		cl = dial(t, addr)
		cl.must("+OK", "USER %s", user)
		got := cl.cmd("PASS %s", pw)
		if strings.HasPrefix(got, "+OK") {
			return true
		}
		if !strings.HasPrefix(got, "-ERR [IN-USE]") {
			t.Fatalf("PASS: %q", got)
		}
		cl.c.Close()
		return false
	})
	return cl
}

// TestNewMailNextSession checks that a message delivered during a session
// is not in it (numbers stay fixed) and is in the next one.
func TestNewMailNextSession(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	e.deliver(t, alice, "2024010112000000000009", "Subject: new\r\n\r\nnew\r\n")
	cl.must("+OK 3 143", "STAT")
	cl.must("-ERR no such message", "RETR 4")
	cl.must("+OK", "QUIT")
	cl2 := loginEventually(t, e.addr, alice, alicePW)
	cl2.must("+OK 4 164", "STAT")
	cl2.must("+OK 4 2024010112000000000009", "UIDL 4")
}

// TestUIDLStable checks that UIDs are the message ids, the same in every
// session and after other messages are deleted.
func TestUIDLStable(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	cl.must("+OK", "QUIT")
	cl2 := loginEventually(t, e.addr, alice, alicePW)
	cl2.must("+OK", "UIDL")
	want := "1 2024010112000000000002\r\n2 2024010112000000000003\r\n"
	if got := cl2.body(); got != want {
		t.Fatalf("UIDL after deleting message 1:\n%s\nwant\n%s", got, want)
	}
}

// TestMessageRemovedDuringSession checks the answer when a message file
// disappears behind the session's back (an administrator cleaning up).
func TestMessageRemovedDuringSession(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	mb, err := e.tree.Mailbox(alice)
	if err != nil {
		t.Fatal(err)
	}
	if err := mb.Delete(fixture[0].id); err != nil {
		t.Fatal(err)
	}
	cl.must("-ERR message is no longer in the mailbox", "RETR 1")
	cl.must("+OK 51 octets", "RETR 2")
	if got := cl.body(); !strings.Contains(got, "..leading dot") {
		t.Fatalf("RETR 2 body %q", got)
	}
	cl.must("+OK", "DELE 1")
	cl.must("+OK bye (1 message deleted)", "QUIT")
}

// TestUpdateFailure checks RFC 1939 §6's answer when a marked message cannot
// be removed: here POPRenameOnDelete finds the same id already archived, so
// the message stays where it is (DURABILITY rule 13) and QUIT says so.
func TestUpdateFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *Options) { o.POP.RenameOnDelete = true })
	archived := filepath.Join(e.mailboxDir(alice), "deleted")
	if err := os.MkdirAll(archived, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(archived, string(fixture[0].id)+".eml"), []byte("old copy\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	cl.must("+OK", "DELE 2")
	cl.must("-ERR [SYS/TEMP] some deleted messages not removed", "QUIT")
	cl.closed()
	got := e.mailboxFiles(t, alice)
	slices.Sort(got)
	want := []string{string(fixture[0].id) + ".eml", string(fixture[2].id) + ".eml",
		"deleted/" + string(fixture[0].id) + ".eml", "deleted/" + string(fixture[1].id) + ".eml"}
	if !slices.Equal(got, want) {
		t.Fatalf("mailbox holds %v, want %v", got, want)
	}
}
