package smtp

import (
	"net"
	"strings"
	"testing"
)

// loopAtTwoHops refuses a message with more than two Received fields as a
// loop; threeHops is one more than that.
func loopAtTwoHops(o *Options) {
	o.SMTP.DetectLoops = true
	o.SMTP.MaxHops = 2
}

const threeHops = "Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
	"Received: from b by c; Mon, 1 Jan 2024 00:00:01 +0000\r\n" +
	"Received: from c by d; Mon, 1 Jan 2024 00:00:02 +0000\r\n"

// TestLoopLongBody: a message refused as a loop after its header, with a
// body longer than what was read with the header, is still read to its
// final dot before the 554: the body's lines are never taken as commands.
func TestLoopLongBody(t *testing.T) {
	t.Parallel()
	ts := startServer(t, loopAtTwoHops)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	header := threeHops + "Subject: looping\r\n\r\n"
	body := strings.Repeat("NOOP\r\n", 8000) // far past the header's read
	if r := c.send("a@elsewhere.example", []string{adminUser}, header+body+".\r\n"); !strings.HasPrefix(r, "554 5.4.6 ") {
		t.Fatalf("final dot answered %q, want 554 5.4.6", r)
	}
	c.expect("RSET", "250 ") // in step: no answers to the body's lines in between
	if ids := ts.committed(t); len(ids) != 0 {
		t.Fatalf("committed %v", ids)
	}
}

// TestLoopClientLeaves: a client that leaves while the body of a message
// refused as a loop is being read gets no 554 sent after it: nobody is
// there to read it, and the session ends as closed by the client.
func TestLoopClientLeaves(t *testing.T) {
	t.Parallel()
	ts := startServer(t, loopAtTwoHops)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.expect("DATA", "354 ")
	c.write(threeHops +
		"Subject: looping\r\n\r\n" + strings.Repeat("body line\r\n", 4000)) // no final dot
	if err := c.c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	c.closed() // nothing more is written
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if log := ts.logs.String(); !strings.Contains(log, "disconnected (closed by client)") || strings.Contains(log, "5.4.6") {
		t.Fatalf("want a close by the client and no loop refusal logged:\n%s", log)
	}
}
