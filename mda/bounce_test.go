package mda

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// bounceRcpts: one account, and two local addresses without one (one
// through an alias), given up with RefileUnknownUsers off.
var bounceRcpts = []string{"bob@test.example", "ghost@test.example", "nobody@other.example"}

// TestBounce files a set with known and unknown local recipients and
// refiling off: the known one is delivered, the unknown ones are kept in
// failed/, and the sender gets one failure notice (RFC 5321 §6.1), which the
// next pass files like any message. No notice for the null sender (RFC 5321
// §4.5.5) or with SMTPEnableFailureBounce off.
func TestBounce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, from string
		on         bool
		filed      []string // where the notice goes on the next pass; nil: no notice
	}{
		{"local sender", "alice@test.example", true, []string{"users/alice@test.example/{n}.eml"}},
		{"external sender", "sender@far.example", true, []string{"queue/external/{n}.auth", "queue/external/{n}.eml"}},
		{"null sender", "", true, nil},
		{"bounces off", "alice@test.example", false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(func(o *Options) {
				o.MDA.RefileUnknownUsers, o.FailureBounce, o.HostName = false, c.on, "mx.test.example"
			})
			id := tb.commit(c.from, bounceRcpts, testMessage)
			tb.fileAll(a)
			n := dsn.LocalID(id)
			want := expand(id, "users/bob@test.example/{id}.eml", "queue/failed/{id}-2.auth", "queue/failed/{id}-2.eml",
				"queue/failed/{id}-3.auth", "queue/failed/{id}-3.eml")
			if c.filed != nil {
				want = append(want, "queue/"+string(n)+".auth", "queue/"+string(n)+".eml")
				slices.Sort(want)
			}
			if got := tb.files(); !slices.Equal(got, want) {
				t.Fatalf("tree after the first pass:\n got %q\nwant %q", got, want)
			}
			if c.filed == nil {
				if strings.Contains(tb.mdaLog(), "bounce") {
					t.Fatalf("a notice was logged:\n%s", tb.mdaLog())
				}
				return
			}
			checkNotice(t, tb, id, c.from)
			if !strings.Contains(tb.mdaLog(), "bounce,"+c.from+",,<>,queue/"+string(n)) {
				t.Errorf("MDA log lacks the notice:\n%s", tb.mdaLog())
			}

			tb.fileAll(a) // the notice, like any message
			want = slices.DeleteFunc(want, func(s string) bool { return strings.Contains(s, string(n)) })
			for _, f := range c.filed {
				want = append(want, strings.ReplaceAll(f, "{n}", string(n)))
			}
			slices.Sort(want)
			if got := tb.files(); !slices.Equal(got, want) {
				t.Fatalf("tree after filing the notice:\n got %q\nwant %q", got, want)
			}
			if c.from == "alice@test.example" {
				got := tb.read("users/alice@test.example/" + string(n) + ".eml")
				if !strings.HasPrefix(got, "Return-Path: <>\r\nDelivered-To: alice@test.example\r\n") {
					t.Errorf("the notice's copy starts:\n%.200s", got)
				}
			}
		})
	}
}

// checkNotice parses the notice for set id in the incoming queue (RFC 3464,
// RFC 6522) and checks what it says.
func checkNotice(t *testing.T, tb *testbed, id queue.ID, from string) {
	t.Helper()
	n := dsn.LocalID(id)
	env, err := tb.tree.Envelope(queue.Incoming, n)
	if err != nil {
		t.Fatal(err)
	}
	if env.From != "" || len(env.Recipients) != 1 || env.Recipients[0].Addr != from {
		t.Errorf("notice envelope from %q to %+v", env.From, env.Recipients)
	}
	msg, err := mail.ReadMessage(strings.NewReader(tb.read("queue/" + string(n) + ".eml")))
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("From"); got != "Mail Delivery System <MAILER-DAEMON@mx.test.example>" {
		t.Errorf("From: %q", got)
	}
	if got := msg.Header.Get("To"); got != "<"+from+">" {
		t.Errorf("To: %q", got)
	}
	types, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
	if strings.Join(types, ", ") != "text/plain; charset=us-ascii, message/delivery-status, text/rfc822-headers" {
		t.Fatalf("parts %q", types)
	}
	if !strings.Contains(bodies[0], "<nobody@test.example>:") || strings.Contains(bodies[0], "bob@") {
		t.Errorf("text part:\n%s", bodies[0])
	}
	blocks := testutil.FieldBlocks(bodies[1])
	if len(blocks) != 3 || blocks[0].Get("Reporting-MTA") != "dns; mx.test.example" ||
		blocks[0].Get("X-Mailq-Queue-ID") != string(id) {
		t.Fatalf("report:\n%s", bodies[1])
	}
	for i, want := range [][]string{
		{"rfc822; nobody@test.example", "rfc822; ghost@test.example"},
		{"rfc822; nobody@other.example", ""},
	} {
		b := blocks[i+1]
		got := []string{b.Get("Final-Recipient"), b.Get("Original-Recipient"), b.Get("Action"), b.Get("Status"),
			b.Get("Remote-MTA"), b.Get("Diagnostic-Code")}
		exp := append(want, "failed", "5.1.1", "", "X-mailq; 550 5.1.1 No such user here")
		if !slices.Equal(got, exp) {
			t.Errorf("recipient block %d:\n got %q\nwant %q", i, got, exp)
		}
	}
	// The original header as it goes to another folder: without Return-Path.
	orig := testMessage[strings.Index(testMessage, "From:") : strings.Index(testMessage, "\r\n\r\n")+2]
	if bodies[2] != orig {
		t.Errorf("headers part %q\nwant %q", bodies[2], orig)
	}
}

// TestBounceFiledAtOnce: with a scan interval far longer than the test,
// the running agent files the notice right after its source, waking
// itself: the source's removal asks for the scan that finds it.
func TestBounceFiledAtOnce(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	wake := make(chan struct{}, 1)
	r := tb.run(func(o *Options) {
		o.Wake, o.Nice = wake, time.Hour
		o.MDA.RefileUnknownUsers, o.FailureBounce = false, true
	})
	wait(t, r.scans, "the first scan")
	id := tb.commit("alice@test.example", bounceRcpts, testMessage)
	wake <- struct{}{}
	if got := wait(t, r.filed, "the set to be filed"); got != id {
		t.Fatalf("filed %s, want %s", got, id)
	}
	if got := wait(t, r.filed, "the notice to be filed"); got != dsn.LocalID(id) {
		t.Fatalf("filed %s, want the notice %s", got, dsn.LocalID(id))
	}
	tb.read("users/alice@test.example/" + string(dsn.LocalID(id)) + ".eml")
}

// TestHeld: a notice is held while its source is listed, and only then.
func TestHeld(t *testing.T) {
	t.Parallel()
	src, other := queue.ID("2013100717060612345678"), queue.ID("2013100717060699999999")
	n := dsn.LocalID(src)
	for _, c := range []struct {
		ids  []queue.ID
		want []queue.ID
	}{
		{[]queue.ID{src, other, n}, []queue.ID{n}},
		{[]queue.ID{n, src}, []queue.ID{n}},
		{[]queue.ID{n, other}, nil},
		{[]queue.ID{src, dsn.ID(src)}, nil}, // the MXA's notice has no source here
		{nil, nil},
	} {
		var got []queue.ID
		for id := range held(c.ids) {
			got = append(got, id)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("held(%q) = %q, want %q", c.ids, got, c.want)
		}
	}
}
