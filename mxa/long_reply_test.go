package mxa

import (
	"fmt"
	"testing"

	"mailq/queue"
)

// TestLongEHLOReply: a reply of maxReplyLines lines is read; one line more
// and the server is taken to have sent a malformed reply, so the recipient
// is left for a later attempt instead of the session reading without end.
func TestLongEHLOReply(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lines     int
		delivered bool
	}{{maxReplyLines, true}, {maxReplyLines + 1, false}} {
		t.Run(fmt.Sprint(c.lines), func(t *testing.T) {
			t.Parallel()
			ext := []string{"PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"}
			for len(ext) < c.lines-1 { // the first line is the greeting text
				ext = append(ext, fmt.Sprintf("X-FILLER-%d", len(ext)))
			}
			p := startPeer(t, &peer{Ext: ext})
			f := newFixture(t, p, nil)
			id := f.put(queue.External, "alice@origin.test", "a@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			sent, retry := len(f.list(queue.Sent)), len(f.list(queue.Retry))
			if c.delivered && (sent != 1 || retry != 0) {
				t.Errorf("%d lines: %d sent, %d to retry; want it delivered", c.lines, sent, retry)
			}
			if !c.delivered && (sent != 0 || retry != 1) {
				t.Errorf("%d lines: %d sent, %d to retry; want it left for a retry", c.lines, sent, retry)
			}
		})
	}
}
