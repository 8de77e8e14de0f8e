package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/queue"
)

// Session slots in the real binary (issue 22): idle connections from one
// outside address cannot take every slot, and a blocked client is refused
// without taking one. The clients connect from addresses added to the
// loopback interface, so the servers see them as outside clients (loopback
// may take any free slot).

// slotINI keeps idle sessions open for the whole test: a minute of Timeout
// and of FirstCommandTimeout.
var slotINI = strings.Replace(testINI, "Timeout=5\n", "Timeout=60\nFirstCommandTimeout=60\nSMTPRelay=2\n", 1)

// idleFrom opens a connection from ip to addr, reads its first line and
// leaves it idle; it returns that line.
func idleFrom(t *testing.T, ip, addr string) (string, net.Conn) {
	t.Helper()
	c := testutil.DialFrom(t, ip, addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("greeting from %s: %v", ip, err)
	}
	return strings.TrimRight(line, "\r\n"), c
}

// TestSlotsIdleDoNotStarveSMTP: 192.0.2.20 holds three idle sessions (its
// share of the default four slots) and is refused a fourth; a client on
// the block list (192.0.2.22) gets its 554 without taking a slot; swaks
// from 192.0.2.21 is then served in full.
func TestSlotsIdleDoNotStarveSMTP(t *testing.T) {
	t.Parallel()
	swaks := testutil.Program(t, "swaks")
	for _, ip := range []string{"192.0.2.20", "192.0.2.21", "192.0.2.22"} {
		testutil.SourceAddr(t, ip)
	}
	dir := newTree(t, slotINI)
	if err := os.WriteFile(filepath.Join(dir, "ipblock.txt"), []byte("192.0.2.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := start(t, dir)
	for i := range 3 {
		if g, _ := idleFrom(t, "192.0.2.20", in.addr); !strings.HasPrefix(g, "220 ") {
			t.Fatalf("idle connection %d got %q", i+1, g)
		}
	}
	if g, _ := idleFrom(t, "192.0.2.20", in.addr); !strings.HasPrefix(g, "421 4.3.2 ") {
		t.Fatalf("a fourth connection from the same address got %q", g)
	}
	if g, _ := idleFrom(t, "192.0.2.22", in.addr); !strings.HasPrefix(g, "554 5.7.1 ") {
		t.Fatalf("the blocked client got %q", g)
	}
	out, err := exec.Command(swaks, "--server", in.addr, "--local-interface", "192.0.2.21",
		"--helo", "client.example", "--from", "someone@elsewhere.example", "--to", "admin@test.example",
		"--timeout", "20", "--header", "Subject: slots").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "250 2.0.0 OK queued as ") {
		t.Fatalf("swaks from another address while the first holds its share: %v\n%s", err, out)
	}
	if !strings.Contains(in.out(), "[192.0.2.21]") {
		t.Errorf("the server did not see the client at 192.0.2.21:\n%s", in.out())
	}
}

// TestSlotsIdleDoNotStarvePOP3: the same for POP3, with curl from
// 192.0.2.24 listing a mailbox while 192.0.2.23 holds its share.
func TestSlotsIdleDoNotStarvePOP3(t *testing.T) {
	t.Parallel()
	curl := testutil.Program(t, "curl")
	for _, ip := range []string{"192.0.2.23", "192.0.2.24"} {
		testutil.SourceAddr(t, ip)
	}
	dir := newTree(t, slotINI)
	addUser(t, dir, popUser, popPW)
	deliverTo(t, dir, popUser, queue.ID("2026120412000000000001"), "Subject: one\r\n\r\nbody\r\n")
	in := start(t, dir, "/POP")
	for i := range 3 {
		if g, _ := idleFrom(t, "192.0.2.23", in.addr); !strings.HasPrefix(g, "+OK") {
			t.Fatalf("idle connection %d got %q", i+1, g)
		}
	}
	if g, _ := idleFrom(t, "192.0.2.23", in.addr); !strings.HasPrefix(g, "-ERR [SYS/TEMP] ") {
		t.Fatalf("a fourth connection from the same address got %q", g)
	}
	out, err := exec.Command(curl, "-sS", "--max-time", "20", "--interface", "192.0.2.24",
		"-u", popUser+":"+popPW, "pop3://"+in.addr+"/").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1 22" {
		t.Fatalf("curl from another address while the first holds its share: %v\n%s", err, out)
	}
}
