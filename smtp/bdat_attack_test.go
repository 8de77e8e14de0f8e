package smtp

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"mailq/internal/testutil"
)

// TestBdatOverLimitCut: a client from outside that declares a chunk taking
// the message past SMTPMaxMessageSize and leaves inside it has sent no whole
// message: nothing is committed. Before, the skipped chunk's end of input
// was taken for the end of the message and the earlier chunks were queued.
func TestBdatOverLimitCut(t *testing.T) {
	t.Parallel()
	ln := testutil.ListenRemote(t)
	ts := startServerOn(t, ln, nil, func(o *Options) { o.SMTP.MaxMessageSize = 1000 })
	c, _ := remoteClient(t, ln, "192.0.2.1")
	c.expect("EHLO client.example", "250-")
	c.expect("MAIL FROM:<a@elsewhere.example>", "250 ")
	c.expect("RCPT TO:<"+adminUser+">", "250 ")
	c.write("BDAT 20\r\nSubject: x\r\n\r\nbody\r\n")
	if r := c.reply(); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("first chunk: %q", r)
	}
	c.write("BDAT 5000 LAST\r\n" + strings.Repeat("y", 100))
	c.c.Close()
	ts.waitLog(t, "closed by client")
	if ids, left := ts.committed(t), ts.leftovers(t); len(ids) != 0 || len(left) != 0 {
		t.Fatalf("committed %v, left %v", ids, left)
	}
}

// TestBdatSizeOverflow: a chunk size near the int64 limit, declared after
// an earlier chunk, is over any size limit; the sum of the two must not
// wrap around and let the chunk's octets through unlimited (into the draft,
// or into memory when msgauth holds the message for its checks).
func TestBdatSizeOverflow(t *testing.T) {
	t.Parallel()
	const huge = 1<<63 - 1
	s := &session{br: bufio.NewReader(strings.NewReader(strings.Repeat("x", 5000)))}
	r := &chunkReader{s: s, chunk: huge, left: huge, last: true, size: 100, max: 1000}
	got, err := io.ReadAll(r)
	if len(got) != 0 || err == nil {
		t.Fatalf("read %d octets of an oversized chunk, err %v", len(got), err)
	}
}
