package pop3

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDeleteHeldOpenWindows: a message file another program holds open (a
// mail client showing it, antivirus) cannot be deleted on Windows. QUIT then
// says some messages stayed (RFC 1939 §6), removes the others, and keeps
// the held one for the next session (DURABILITY rule 14), which removes it
// once the file is closed.
func TestDeleteHeldOpenWindows(t *testing.T) {
	t.Parallel()
	e := startServer(t)
	held, err := os.Open(filepath.Join(e.mailboxDir(alice), string(fixture[0].id)+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	cl := dial(t, e.addr)
	cl.login(alice, alicePW)
	cl.must("+OK", "DELE 1")
	cl.must("+OK", "DELE 2")
	cl.must("-ERR [SYS/TEMP] some deleted messages not removed", "QUIT")
	cl.closed()
	want := []string{string(fixture[0].id) + ".eml", string(fixture[2].id) + ".eml"}
	if got := e.mailboxFiles(t, alice); !slices.Equal(got, want) {
		t.Fatalf("mailbox holds %v, want %v", got, want)
	}
	held.Close()
	cl2 := loginEventually(t, e.addr, alice, alicePW)
	cl2.must("+OK 2 ", "STAT")
	cl2.must("+OK", "DELE 1")
	cl2.must("+OK bye (1 message deleted)", "QUIT")
	if got := e.mailboxFiles(t, alice); !slices.Equal(got, want[1:]) {
		t.Fatalf("mailbox holds %v after the second session, want %v", got, want[1:])
	}
}
