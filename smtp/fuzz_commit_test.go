package smtp

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"mailq/queue"
)

// queuedReply is the 250 that follows the final dot of a committed message.
var queuedReply = regexp.MustCompile(`(?m)^250 2\.0\.0 OK queued as (\S+)\r$`)

// FuzzCommit feeds a whole session of arbitrary bytes to a server that
// commits into a real tree (not /TEST), with panic recovery off. Besides
// well-formed replies, the property is the durability contract seen from
// outside: every 250 after DATA leaves exactly one well-formed committed
// set, named by that reply, and nothing else is left in the queue folder,
// so every refusal (too big, loop, lost connection, a session cut short
// in DATA) leaves nothing.
func FuzzCommit(f *testing.F) {
	const msg = "MAIL FROM:<a@b.example>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\n"
	for _, s := range []string{
		"EHLO x\r\n" + msg + "Subject: x\r\n\r\nhi\r\n.\r\nQUIT\r\n",
		"EHLO x\r\n" + msg + "a\r\n.\r\n" + msg + "b\nbare LF\n..dot\r\n.\r\nRSET\r\n" + msg + "c\r\n.\r\n",
		"HELO x\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nRCPT TO:<fwd@test.example>\r\nDATA\r\n\r\n.\r\n",
		"EHLO x\r\n" + msg + strings.Repeat("0123456789abcdef", 300) + "\r\n.\r\n",    // too big: 552
		"EHLO x\r\n" + msg + "Received: a\r\nReceived: b\r\nReceived: c\r\n\r\n.\r\n", // a loop: 554
		"EHLO x\r\n" + msg + "Subject: cut short\r\n\r\nno final dot\r\n",
		"EHLO x\r\n" + msg + "\r\n.\r\nDATA\r\n.\r\nMAIL FROM:<a@b.example> SIZE=10\r\nRCPT TO:<x@y.example>\r\nDATA\r\n.\r\n",
	} {
		f.Add([]byte(s))
	}
	o, qdir := baseOptionsDir(f)
	o.Server.Debug = true
	o.SMTP.MaxHops = 2
	o.SMTP.MaxMessageSize = 4096
	var committed int
	o.Committed = func() { committed++ }
	srv, err := New(o)
	if err != nil {
		f.Fatal(err)
	}
	srv.noRecover = true
	tree := o.Tree
	f.Fuzz(func(t *testing.T, input []byte) {
		committed = 0
		c := &pipeConn{in: bytes.NewReader(input)}
		srv.handle(context.Background(), c, func() {})
		out := c.out.String()
		checkReplies(t, out)
		var queued []queue.ID
		for _, m := range queuedReply.FindAllStringSubmatch(out, -1) {
			queued = append(queued, queue.ID(m[1]))
		}
		ids, err := tree.List(queue.Incoming)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { // the next input starts from an empty queue
			for _, id := range ids {
				_ = tree.Remove(queue.Incoming, id)
			}
		}()
		if !slices.Equal(slices.Sorted(slices.Values(queued)), ids) {
			t.Fatalf("250 after DATA for %v; committed %v\n%s", queued, ids, out)
		}
		if committed != len(ids) {
			t.Errorf("Committed called %d times for %d sets", committed, len(ids))
		}
		for _, id := range ids {
			checkSet(t, tree, id)
		}
		if left := (&testServer{qdir: qdir}).leftovers(t); len(left) != 0 {
			t.Fatalf("left in the queue folder: %v\n%s", left, out)
		}
	})
}

// checkSet checks that the committed set id is well-formed: its envelope
// reads back with its own id, a sender path and recipients, its size is
// the .eml's, and the .eml starts with our trace field and is CRLF text.
func checkSet(t *testing.T, tree *queue.Tree, id queue.ID) {
	t.Helper()
	env, err := tree.Envelope(queue.Incoming, id)
	if err != nil {
		t.Fatalf("set %s: %v", id, err)
	}
	f, err := tree.Open(queue.Incoming, id)
	if err != nil {
		t.Fatalf("set %s: %v", id, err)
	}
	defer f.Close()
	eml, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case env.ID != id:
		t.Errorf("set %s: envelope names %s", id, env.ID)
	case len(env.Recipients) == 0:
		t.Errorf("set %s: no recipients", id)
	case env.Size != int64(len(eml)):
		t.Errorf("set %s: envelope size %d, .eml %d bytes", id, env.Size, len(eml))
	case !bytes.HasPrefix(eml, []byte("Return-Path: ")) && !bytes.HasPrefix(eml, []byte("Received: ")):
		t.Errorf("set %s: .eml starts %.40q", id, eml)
	case !bytes.HasSuffix(eml, []byte("\r\n")):
		t.Errorf("set %s: .eml does not end in CRLF: %.40q", id, eml[max(0, len(eml)-40):])
	case bytes.Count(eml, []byte("\n")) != bytes.Count(eml, []byte("\r\n")):
		t.Errorf("set %s: bare LF in the .eml", id)
	}
}

// TestRepliesFlushedAtEOF: a client that pipelines commands and then closes
// its sending side (a half-close, or a last line without its CRLF) still
// reads every reply the server owes it, above all the 250 of a commit;
// found by FuzzCommit (the server used to drop replies still buffered).
func TestRepliesFlushedAtEOF(t *testing.T) {
	t.Parallel()
	o := baseOptions(t)
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		"EHLO x\r\nNOOP\r\nNO",
		"EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<admin@test.example>\r\nDATA\r\n.\r\nQU",
	} {
		c := &pipeConn{in: bytes.NewReader([]byte(in))}
		srv.handle(context.Background(), c, func() {})
		out := c.out.String()
		if last := out[strings.LastIndex(strings.TrimSuffix(out, "\r\n"), "\r\n")+2:]; !strings.HasPrefix(last, "250 2.0.0 OK") {
			t.Errorf("%q: the last reply is %q, want the 250 of the last complete command:\n%s", in, last, out)
		}
	}
}
