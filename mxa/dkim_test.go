package mxa

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"mailq/msgauth"
	"mailq/queue"
)

// TestDeliverSigned: with a key for the From domain, the message goes out
// with a DKIM-Signature in front that verifies, SIZE counting it; the
// stored message is unchanged. Without a key for the domain it goes out as
// stored.
func TestDeliverSigned(t *testing.T) {
	t.Parallel()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := msgauth.KeyRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		domain string
		signed bool
	}{{"origin.test", true}, {"other.test", false}} {
		t.Run(tc.domain, func(t *testing.T) {
			t.Parallel()
			s := msgauth.NewSigner([]msgauth.SignKey{{Domain: tc.domain, Selector: "s1", Key: key}})
			p := startPeer(t, &peer{})
			f := newFixture(t, p, func(o *Options) { o.Sign = s.Sign })
			id := f.put(queue.External, "alice@origin.test", "bob@example.org")
			if res := f.run(queue.External, id); res.err != nil {
				t.Fatal(res.err)
			}
			ss := p.Sessions()
			if len(ss) != 1 || !ss[0].Accepted {
				t.Fatalf("sessions %+v", ss)
			}
			data, stored := ss[0].Data, f.body(queue.Sent, id)
			if !tc.signed {
				if data != stored {
					t.Fatalf("unsigned: sent %q, stored %q", data, stored)
				}
				return
			}
			if !strings.HasPrefix(data, "DKIM-Signature:") || !strings.HasSuffix(data, stored) || strings.Contains(stored, "DKIM") {
				t.Fatalf("sent %q\nstored %q", data, stored)
			}
			if want := "SIZE=" + strconv.Itoa(len(data)); !strings.Contains(ss[0].MailArg, want) {
				t.Errorf("MAIL %q, want %s", ss[0].MailArg, want)
			}
			vs, err := dkim.VerifyWithOptions(strings.NewReader(data), &dkim.VerifyOptions{
				LookupTXT: func(name string) ([]string, error) { return []string{rec}, nil }})
			if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "origin.test" {
				t.Fatalf("verification %+v, %v", vs, err)
			}
		})
	}
}

// TestNotSignedWhenNothingDue: a set run before any of its recipients is
// due sends nothing, so it is not signed either.
func TestNotSignedWhenNothingDue(t *testing.T) {
	t.Parallel()
	var signed atomic.Int32
	f := newFixture(t, nil, func(o *Options) {
		o.Sign = func(io.Reader) (string, error) { signed.Add(1); return "", nil }
	})
	id := f.putRetry(time.Now().Add(time.Hour), queue.StatusPending)
	if res := f.run(queue.Retry, id); res.err != nil {
		t.Fatal(res.err)
	}
	if n := signed.Load(); n != 0 {
		t.Errorf("signed %d times with nothing to send", n)
	}
	if !slices.Equal(f.list(queue.Retry), []queue.ID{id}) {
		t.Errorf("retry/ %v, want the set still waiting", f.list(queue.Retry))
	}
}
