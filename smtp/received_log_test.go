package smtp

import (
	"strings"
	"testing"
)

// TestReceivedLogMode: the log line of an accepted message says whether it
// was queued or only accepted in test mode (/TEST), where nothing is written;
// and no problem with the space check is logged when there was none.
func TestReceivedLogMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		test      bool
		want, not string
	}{
		{"queued", false, "bytes, queued", "test mode"},
		{"test mode", true, "bytes, accepted in test mode, not written", "queued"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, func(o *Options) { o.Server.Test = tc.test })
			c, _ := dial(t, ts.addr)
			c.expect("EHLO client.example", "250")
			if r := c.send("a@elsewhere.example", []string{adminUser}, "Subject: x\r\n\r\nbody\r\n.\r\n"); !strings.HasPrefix(r, "250 2.0.0 OK ") {
				t.Fatalf("final dot answered %q", r)
			}
			c.expect("QUIT", "221")
			c.closed()
			c.c.Close()
			if err := ts.stop(); err != nil {
				t.Fatal(err)
			}
			var line string
			for _, l := range strings.Split(ts.logs.String(), "\n") {
				if strings.Contains(l, "message ") && strings.Contains(l, " from <a@elsewhere.example>") {
					line = l
				}
			}
			if strings.Contains(ts.logs.String(), "cannot check the queue") {
				t.Fatalf("a space check problem logged with none:\n%s", ts.logs.String())
			}
			if !strings.Contains(line, tc.want) || strings.Contains(line, tc.not) {
				t.Fatalf("received line %q: want %q, and not %q\n%s", line, tc.want, tc.not, ts.logs.String())
			}
		})
	}
}
