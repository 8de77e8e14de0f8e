package mxa

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

// TestSizeLimitExact: RFC 1870 §6, a message is not sent to a server whose
// SIZE it exceeds: one of exactly the announced size is sent, one octet
// over and it is failed with 552 5.3.4 without being offered.
func TestSizeLimitExact(t *testing.T) {
	t.Parallel()
	const body = "From: sender@origin.test\r\nSubject: sized\r\n\r\nHello.\r\n"
	put := func(f *fixture) queue.ID {
		env := &queue.Envelope{ID: queue.NewID(time.Now()), From: "alice@origin.test",
			ClientIP: netip.MustParseAddr("192.0.2.9"), Recipients: []queue.Recipient{{Addr: "a@example.org"}}}
		if err := f.tree.WriteSet(queue.External, env, strings.NewReader(body)); err != nil {
			t.Fatal(err)
		}
		return env.ID
	}
	// The size the set is stored with, read from a set of the same body.
	scratch := newFixture(t, nil, nil)
	size := scratch.env(queue.External, put(scratch)).Size
	if size <= 0 {
		t.Fatalf("the set has no size (%d)", size)
	}
	for _, over := range []int64{0, 1} {
		t.Run(fmt.Sprint(over), func(t *testing.T) {
			t.Parallel()
			p := startPeer(t, &peer{Ext: []string{"ENHANCEDSTATUSCODES", fmt.Sprintf("SIZE %d", size-over)}})
			f := newFixture(t, p, nil)
			id := put(f)
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			want, folder := "a@example.org=delivered", queue.Sent
			if over > 0 {
				want, folder = "a@example.org=failed", queue.Failed
			}
			if got := statuses(f.env(folder, id)); got != want {
				t.Errorf("SIZE %d for %d octets: %s, want %s", size-over, size, got, want)
			}
			if n := len(p.Sessions()); over > 0 && n > 0 && p.Sessions()[0].MailArg != "" {
				t.Errorf("the message was offered to a server that announced it too big: %q", p.Sessions()[0].MailArg)
			}
		})
	}
}
