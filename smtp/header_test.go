package smtp

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHeaderScan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		msg      string
		pos      int
		blank    bool
		received int
		has      fieldSet
		drop     [][2]int
	}{
		{"header and body", "Subject: x\r\nFrom: a@b\r\n\r\nbody\r\n", 23, true, 0, fieldSubject | fieldFrom, nil},
		{"empty message", "", 0, false, 0, 0, nil},
		{"body only", "Hello world\r\n", 0, false, 0, 0, nil},
		{"blank line first", "\r\nbody\r\n", 0, true, 0, 0, nil},
		{"no blank line", "Subject: x\r\nthis is the body\r\n", 12, false, 0, fieldSubject, nil},
		{"all header", "Date: x\r\nTo: y\r\n", 16, false, 0, fieldDate | fieldTo, nil},
		{"continuation", "Received: from a\r\n\tby b\r\nreceived: c\r\n\r\n", 38, true, 2, 0, nil},
		{"leading blank is body", " folded\r\nSubject: x\r\n", 0, false, 0, 0, nil},
		{"blank before colon", "Subject : x\r\n\r\n", 13, true, 0, fieldSubject, nil},
		{"no colon", "From a@b Mon\r\n\r\n", 0, false, 0, 0, nil},
		{"return-path dropped", "Return-Path: <x>\r\n  <y>\r\nMessage-ID: <1@b>\r\n\r\n", 44, true, 0, fieldMessageID, [][2]int{{0, 25}}},
		{"two return-paths", "return-path: a\r\nX: 1\r\nReturn-Path: b\r\n\r\n", 38, true, 0, 0, [][2]int{{0, 16}, {22, 38}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var h headerScan
			h.scan([]byte(c.msg), true)
			if !h.done || h.pos != c.pos || h.blank != c.blank || h.received != c.received || h.has != c.has || !reflect.DeepEqual(h.drop, c.drop) {
				t.Fatalf("scan(%q) = %+v; want pos %d blank %v received %d has %b drop %v",
					c.msg, h, c.pos, c.blank, c.received, c.has, c.drop)
			}
		})
	}
}

// TestHeaderScanIncomplete checks that a header whose end has not arrived is
// not done, and that scanning goes on where it stopped.
func TestHeaderScanIncomplete(t *testing.T) {
	t.Parallel()
	var h headerScan
	h.scan([]byte("Subject: x\r\nFro"), false)
	if h.done || h.pos != 12 {
		t.Fatalf("after a partial line: %+v", h)
	}
	h.scan([]byte("Subject: x\r\nFrom: y\r\n\r\nbody"), false)
	if !h.done || !h.blank || h.pos != 21 || h.has != fieldSubject|fieldFrom {
		t.Fatalf("after the rest: %+v", h)
	}
}

// FuzzHeaderScan checks that scanning a message in pieces gives the same
// result as scanning it at once, and that the spans are inside the header.
func FuzzHeaderScan(f *testing.F) {
	f.Add("Subject: x\r\nReturn-Path: <a>\r\n\tb\r\n\r\nbody\r\n", 3)
	f.Add("Received: a\r\nReceived: b\r\n", 1)
	f.Add("no header\r\n", 5)
	f.Fuzz(func(t *testing.T, msg string, step int) {
		if step <= 0 || step > 64 {
			step = 1
		}
		var whole, parts headerScan
		whole.scan([]byte(msg), true)
		for n := step; n < len(msg) && !parts.done; n += step {
			parts.scan([]byte(msg[:n]), false)
		}
		parts.scan([]byte(msg), true)
		if !reflect.DeepEqual(whole, parts) {
			t.Fatalf("in one piece %+v, in pieces of %d %+v", whole, step, parts)
		}
		if whole.pos > len(msg) {
			t.Fatalf("pos %d beyond the message", whole.pos)
		}
		last := 0
		for _, d := range whole.drop {
			if d[0] < last || d[1] <= d[0] || d[1] > whole.pos {
				t.Fatalf("bad drop span %v (pos %d)", d, whole.pos)
			}
			last = d[1]
		}
	})
}

func TestTraceFields(t *testing.T) {
	t.Parallel()
	now := time.Date(2013, 10, 7, 18, 6, 6, 0, time.FixedZone("BST", 3600))
	tr := &trace{host: "mx.test", helo: "bad (helo); x", ip: netip.MustParseAddr("2001:db8::1"), proto: "ESMTPA",
		id: "2013100717060690338676", tracking: "326ADE6D-945E-4EB8-907A-E01B2B0794CD", from: "a@b.example",
		rcpts: []string{"c@d.example"}, now: now}
	got := string(tr.appendTrace(nil))
	want := "Return-Path: <a@b.example>\r\n" +
		"Received: from bad__helo___x ([IPv6:2001:db8::1])\r\n" +
		"\tby mx.test (mailq) with ESMTPA id 2013100717060690338676\r\n" +
		"\tfor <c@d.example>;\r\n" +
		"\tMon, 07 Oct 2013 18:06:06 +0100\r\n" +
		"X-GUID: 326ADE6D-945E-4EB8-907A-E01B2B0794CD\r\n"
	if got != want {
		t.Fatalf("trace:\n%s\nwant:\n%s", got, want)
	}
	tr.rcpts = append(tr.rcpts, "e@f.example")
	if got := string(tr.appendTrace(nil)); strings.Contains(got, "for <") {
		t.Fatalf("with two recipients the trace names one:\n%s", got)
	}

	tr.from = ""
	got = string(tr.appendFixes(nil, fieldSubject|fieldDate))
	want = "Message-ID: <326ade6d-945e-4eb8-907a-e01b2b0794cd@mx.test>\r\n" +
		"From: MAILER-DAEMON@mx.test\r\n" +
		"To: undisclosed-recipients:;\r\n" +
		"X-Fixed-Header: mailq added Message-ID, From, To\r\n"
	if got != want {
		t.Fatalf("fixes:\n%s\nwant:\n%s", got, want)
	}
	if got := tr.appendFixes(nil, fieldDate|fieldMessageID|fieldFrom|fieldTo|fieldSubject); len(got) != 0 {
		t.Fatalf("nothing missing, yet added %q", got)
	}
}
