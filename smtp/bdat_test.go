package smtp

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailq/internal/testutil"
	"mailq/msgauth"
	"mailq/queue"
)

// bdatChunks returns the BDAT commands that send msg in chunks of the
// given sizes (the rest in the LAST chunk).
func bdatChunks(msg string, sizes ...int) string {
	var b strings.Builder
	for _, n := range sizes {
		n = min(n, len(msg))
		fmt.Fprintf(&b, "BDAT %d\r\n%s", n, msg[:n])
		msg = msg[n:]
	}
	fmt.Fprintf(&b, "BDAT %d LAST\r\n%s", len(msg), msg)
	return b.String()
}

// clientPart returns the stored message from the client's first header
// field on: what the client sent, after the server's trace fields.
func clientPart(t *testing.T, stored, first string) string {
	t.Helper()
	i := strings.Index(stored, first)
	if i < 0 {
		t.Fatalf("stored message lacks %q:\n%s", first, stored)
	}
	return stored[i:]
}

// TestBdatStored checks what BDAT stores: the chunks' octets as sent,
// dots and all (no unstuffing, RFC 3030 §2), with the same trace fields and
// header handling as DATA (the client's Return-Path replaced), and the
// envelope as for DATA.
func TestBdatStored(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	if r := c.cmd("EHLO client.example"); !strings.Contains(r, "\n250-CHUNKING\n") {
		t.Fatalf("EHLO does not offer CHUNKING:\n%s", r)
	}
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	msg := "Return-Path: <forged@x.example>\r\nSubject: dots\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\n" +
		"Message-ID: <1@x>\r\nFrom: a@elsewhere.example\r\nTo: admin@test.example\r\n\r\n" +
		".one\r\n..two\r\n.\r\nlast line\r\n"
	c.write(bdatChunks(msg, 40, 1))
	for i, want := range []string{"250 2.0.0 40 octets received", "250 2.0.0 1 octets received"} {
		if r := c.reply(); r != want {
			t.Fatalf("chunk %d: %q, want %q", i+1, r, want)
		}
	}
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("LAST: %q", r)
	}
	stored, env := ts.only(t)
	if got, want := clientPart(t, stored, "Subject: dots"), msg[len("Return-Path: <forged@x.example>\r\n"):]; got != want {
		t.Fatalf("stored %q, want %q", got, want)
	}
	if strings.Contains(stored, "forged") || !strings.Contains(stored, "Received: from client.example") {
		t.Fatalf("trace fields:\n%s", stored)
	}
	if env.From != "a@elsewhere.example" || len(env.Recipients) != 1 || env.Recipients[0].Addr != adminUser {
		t.Fatalf("envelope %+v", env)
	}
}

// TestBdatSameAsData is a property test: random messages sent with DATA
// and with BDAT in random chunks, written in random pieces (chunks split
// across reads, several chunks in one write), are stored alike.
func TestBdatSameAsData(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	rng := rand.New(rand.NewPCG(19, 3030))
	for round := range 20 {
		var body strings.Builder
		for range rng.IntN(30) {
			line := strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(120))
			if rng.IntN(4) == 0 {
				line = "." + line
			}
			body.WriteString(line + "\r\n")
		}
		msg := fmt.Sprintf("Subject: round %d\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\nMessage-ID: <%d@x>\r\n"+
			"From: a@elsewhere.example\r\nTo: admin@test.example\r\n\r\n%s", round, round, body.String())
		stuffed := strings.ReplaceAll("\r\n"+msg, "\r\n.", "\r\n..")[2:]
		if r := c.send("a@elsewhere.example", []string{adminUser}, stuffed+".\r\n"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("round %d, DATA: %q", round, r)
		}
		var sizes []int
		for range rng.IntN(6) {
			sizes = append(sizes, rng.IntN(len(msg)/2+1))
		}
		wire := "MAIL FROM:<a@elsewhere.example>\r\nRCPT TO:<" + adminUser + ">\r\n" + bdatChunks(msg, sizes...)
		for len(wire) > 0 { // pieces that cut lines and chunks anywhere
			n := min(len(wire), 1+rng.IntN(300))
			c.write(wire[:n])
			wire = wire[n:]
		}
		for i := range 2 + len(sizes) {
			if r := c.reply(); !strings.HasPrefix(r, "250 ") {
				t.Fatalf("round %d, reply %d to BDAT: %q (chunks %v)", round, i+1, r, sizes)
			}
		}
		if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
			t.Fatalf("round %d, LAST: %q", round, r)
		}
	}
	ids := ts.committed(t)
	if len(ids) != 40 {
		t.Fatalf("%d messages committed, want 40", len(ids))
	}
	bodies := map[string]int{}
	for _, id := range ids {
		stored, _ := ts.message(t, id)
		bodies[clientPart(t, stored, "Subject: round ")]++
	}
	for b, n := range bodies {
		if n != 2 {
			t.Fatalf("stored %d time(s), want once by DATA and once by BDAT:\n%q", n, b)
		}
	}
}

// TestBdatDripped sends a chunk one byte at a time: each read brings one
// octet, and the message is whole.
func TestBdatDripped(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	msg := "Subject: drip\r\n\r\nslowly\r\n"
	c.write(fmt.Sprintf("BDAT %d LAST\r\n", len(msg)))
	stop := make(chan struct{})
	done := testutil.Drip(c.c, msg, time.Millisecond, stop)
	r := c.reply()
	close(stop)
	<-done
	if !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("LAST: %q", r)
	}
	stored, _ := ts.only(t)
	if got := clientPart(t, stored, "Subject: drip"); !strings.HasPrefix(got, "Subject: drip\r\n") || !strings.HasSuffix(got, "\r\n\r\nslowly\r\n") {
		t.Fatalf("stored %q", got)
	}
}

// TestBdatAbandoned: a client that leaves inside a chunk, or between
// chunks, leaves nothing in the queue, and a failed draft still reads the
// chunk, so the session stays in step.
func TestBdatAbandoned(t *testing.T) {
	t.Parallel()
	for _, cut := range []string{"BDAT 100\r\nSubject: half", "BDAT 10\r\nSubject: \r\n"} {
		ts := startServer(t)
		c, _ := dial(t, ts.addr)
		c.expect("EHLO client.example", "250-")
		c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
		c.expect("RCPT TO:<"+adminUser+">", "250 ")
		c.write(cut)
		if strings.HasSuffix(cut, "\r\n") {
			c.reply() // 250 for the first chunk
		}
		c.c.Close()
		ts.waitLog(t, "closed by client")
		if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
			t.Fatalf("%q: committed %v, left %v", cut, ids, left)
		}
	}
	f := &fakeSpool{newErr: &queue.FileError{Op: "write", Path: "q", Err: errNoSpace}}
	ts := startServerWith(t, useSpool(f))
	c, _ := dial(t, ts.addr)
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.write("BDAT 6 LAST\r\nNOOP\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "452 4.3.1 ") {
		t.Fatalf("disk full: %q", r)
	}
	c.expect("RSET", "250 ") // the chunk was not taken for a NOOP
}

// TestParseBdat covers the size and end marker (RFC 3030 §2).
func TestParseBdat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arg      string
		size     int64
		last, ok bool
	}{
		{"0", 0, false, true},
		{"0 LAST", 0, true, true},
		{"  12   last ", 12, true, true},
		{"9223372036854775807", 1<<63 - 1, false, true},
		{"9223372036854775808", 0, false, false},
		{"", 0, false, false},
		{"-1", 0, false, false},
		{"+1", 0, false, false},
		{"1 LAST x", 0, false, false},
		{"1 FIRST", 0, false, false},
		{"0x10", 0, false, false},
	} {
		size, last, ok := parseBdat(tc.arg)
		if ok != tc.ok || ok && (size != tc.size || last != tc.last) {
			t.Errorf("parseBdat(%q) = %d, %v, %v", tc.arg, size, last, ok)
		}
	}
}

// FuzzParseBdat: any argument is refused or read back exactly.
func FuzzParseBdat(f *testing.F) {
	for _, s := range []string{"0 LAST", "123", "1 last", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		size, last, ok := parseBdat(arg)
		if !ok {
			return
		}
		again := strconv.FormatInt(size, 10)
		if last {
			again += " LAST"
		}
		if s2, l2, ok2 := parseBdat(again); !ok2 || s2 != size || l2 != last || size < 0 {
			t.Fatalf("%q read as %d %v, %q as %d %v %v", arg, size, last, again, s2, l2, ok2)
		}
	})
}

// TestBdatMsgauth: msgauth's check of the whole message runs for BDAT as
// for DATA (finishMessage): a forged Authentication-Results naming our host
// is removed and ours is added; a message whose DKIM signature fails under
// the refuse policy is refused after the LAST chunk, and nothing is kept.
func TestBdatMsgauth(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	ts, ln := startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, msgauth.Accept, msgauth.Accept)
	c, _ := remoteClient(t, ln, authClient)
	c.expect("EHLO client.test", "250")
	data := "Authentication-Results: MX.TEST; spf=pass smtp.mailfrom=boss@dm.test\r\n" +
		"Authentication-Results: other.example; spf=fail\r\n" +
		"From: <a@fail.test>\r\nSubject: hi\r\n\r\nbody\r\n"
	c.expect("MAIL FROM:<a@fail.test>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.write(bdatChunks(data, 30))
	c.reply() // the first chunk
	if r := c.reply(); !strings.HasPrefix(r, "250 2.0.0 OK queued as ") {
		t.Fatalf("LAST: %q", r)
	}
	msg, _ := ts.only(t)
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	if strings.Count(strings.ToLower(head), "authentication-results: mx.test") != 1 || strings.Contains(head, "pass") ||
		!strings.Contains(head, "Authentication-Results: other.example; spf=fail") {
		t.Fatalf("header:\n%s", head)
	}

	ts, ln = startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, msgauth.Refuse, msgauth.Accept)
	c, _ = remoteClient(t, ln, authClient)
	c.expect("EHLO client.test", "250")
	c.expect("MAIL FROM:<a@pass.test>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.write(bdatChunks(authMessage(t, "a@dk.test", true, true), 100))
	c.reply()
	if r := c.reply(); !strings.HasPrefix(r, "550 ") {
		t.Fatalf("DKIM fail under Refuse, LAST: %q", r)
	}
	if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
		t.Fatalf("committed %v, left %v", ids, left)
	}
}
