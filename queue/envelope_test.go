package queue

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// docExamples returns the .auth examples in doc.go: every indented block
// from "mailq-envelope 1" to "end".
func docExamples(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur []string
	for _, line := range strings.Split(string(src), "\n") {
		body, ok := strings.CutPrefix(line, "//\t")
		switch {
		case ok && body == "mailq-envelope 1":
			cur = []string{body}
		case ok && cur != nil:
			cur = append(cur, body)
			if body == "end" {
				out = append(out, strings.Join(cur, "\n")+"\n")
				cur = nil
			}
		default:
			cur = nil
		}
	}
	if len(out) != 2 {
		t.Fatalf("found %d examples in doc.go; want 2", len(out))
	}
	return out
}

func TestDocExamples(t *testing.T) {
	t.Parallel()
	ex := docExamples(t)
	full, err := ParseEnvelope([]byte(ex[0]))
	if err != nil {
		t.Fatalf("full example: %v", err)
	}
	want := &Envelope{
		ID:       "2013100717060690338676",
		Tracking: "326ADE6D-945E-4EB8-907A-E01B2B0794CD",
		Received: time.Date(2013, 10, 7, 17, 6, 6, 512300117, time.UTC),
		ClientIP: netip.MustParseAddr("127.0.0.1"),
		Helo:     "localhost",
		AuthUser: "admin@localhost.com",
		From:     "admin@localhost.com",
		Body:     Body8BitMIME,
		Size:     27,
		Recipients: []Recipient{
			{N: 1, Addr: "admin@localhost.com", Status: StatusDelivered},
			{N: 2, Addr: "bob@example.org", Orig: "sales@localhost.com", Attempts: 2,
				Next: time.Date(2013, 10, 7, 17, 36, 6, 0, time.UTC), Result: "421 4.7.0 Try again later"},
			{N: 3, Addr: `"john doe"@example.org`, Status: StatusFailed, Attempts: 1, Result: "550 5.1.1 No such user"},
		},
	}
	if !reflect.DeepEqual(full, want) {
		t.Errorf("full example parsed to\n%+v\nwant\n%+v", full, want)
	}
	out, err := full.MarshalText()
	if err != nil || string(out) != ex[0] {
		t.Errorf("the full example is not canonical; MarshalText gave (%v)\n%s", err, out)
	}
	drop, err := ParseEnvelope([]byte(ex[1]))
	if err != nil {
		t.Fatalf("drop example: %v", err)
	}
	if drop.From != "sender@example.org" || len(drop.Recipients) != 1 ||
		drop.Recipients[0] != (Recipient{N: 1, Addr: "someone@localhost.com"}) {
		t.Errorf("drop example parsed to %+v", drop)
	}
}

func TestParseEnvelopeAccepts(t *testing.T) {
	t.Parallel()
	const head = "mailq-envelope 1\n"
	for _, c := range []struct {
		name, in string
		check    func(*Envelope) bool
	}{
		{"null sender", head + "from <>\nrcpt a@b\nend\n", func(e *Envelope) bool { return e.From == "" }},
		{"brackets", head + "from <s@x>\nrcpt <a@b> orig=<c@d>\nend\n",
			func(e *Envelope) bool {
				return e.From == "s@x" && e.Recipients[0].Addr == "a@b" && e.Recipients[0].Orig == "c@d"
			}},
		{"crlf and bom", "\xef\xbb\xbf" + strings.ReplaceAll(head+"from s@x\nrcpt a@b\nend\n", "\n", "\r\n"),
			func(e *Envelope) bool { return e.From == "s@x" }},
		{"no final newline", head + "from s@x\nrcpt a@b\nend", func(e *Envelope) bool { return e.From == "s@x" }},
		{"comments, blanks, tabs", head + "# dropped by a script\n\nfrom\t s@x  \nrcpt a@b\tstatus=DELIVERED\nend\n",
			func(e *Envelope) bool { return e.Recipients[0].Status == StatusDelivered }},
		{"escapes either case", head + "helo a%20b%2fc%2F\nfrom s@x\nrcpt a@b\nend\n",
			func(e *Envelope) bool { return e.Helo == "a b/c/" }},
		{"raw utf-8", head + "helo héllo\nfrom s@x\nrcpt a@b\nend\n", func(e *Envelope) bool { return e.Helo == "héllo" }},
		{"numbering fills gaps", head + "from s@x\nrcpt a@b\nrcpt c@d n=5\nrcpt e@f\nend\n",
			func(e *Envelope) bool {
				return e.Recipients[0].N == 6 && e.Recipients[1].N == 5 && e.Recipients[2].N == 7
			}},
		{"offset time to UTC", head + "received 2013-10-07T18:06:06+01:00\nfrom s@x\nrcpt a@b\nend\n",
			func(e *Envelope) bool {
				return e.Received.Equal(time.Date(2013, 10, 7, 17, 6, 6, 0, time.UTC)) && e.Received.Location() == time.UTC
			}},
		{"ipv6 with zone", head + "client fe80::1%25eth0\nfrom s@x\nrcpt a@b\nend\n",
			func(e *Envelope) bool { return e.ClientIP == netip.MustParseAddr("fe80::1%eth0") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseEnvelope([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(e) {
				t.Errorf("parsed to %+v", e)
			}
		})
	}
}

func TestParseEnvelopeRejects(t *testing.T) {
	t.Parallel()
	const head = "mailq-envelope 1\n"
	const ok = "from s@x\nrcpt a@b\n"
	for _, c := range []struct{ name, in string }{
		{"empty", ""},
		{"torn before end", head + ok},
		{"torn inside end", head + ok + "en"},
		{"torn mid line", head + "from s@x\nrcpt a@"},
		{"no magic", ok + "end\n"},
		{"magic not first", "# hi\n" + head + ok + "end\n"},
		{"version 5", "mailq-envelope 5\n" + ok + "end\n"},
		{"smtputf8 in version 3", "mailq-envelope 3\nsmtputf8 yes\n" + ok + "end\n"},
		{"smtputf8 no", "mailq-envelope 4\nsmtputf8 no\n" + ok + "end\n"},
		{"ret in version 3", "mailq-envelope 3\nret FULL\n" + ok + "end\n"},
		{"notify in version 3", "mailq-envelope 3\nfrom a@b\nrcpt a@b notify=NEVER\nend\n"},
		{"NEVER with SUCCESS", "mailq-envelope 4\nfrom a@b\nrcpt a@b notify=NEVER,SUCCESS\nend\n"},
		{"bad ret", "mailq-envelope 4\nret ALL\n" + ok + "end\n"},
		{"notice in version 2", "mailq-envelope 2\nnotice queue/2013100717060690338676\n" + ok + "end\n"},
		{"notice without folder", "mailq-envelope 3\nnotice 2013100717060690338676\n" + ok + "end\n"},
		{"notice of an unknown folder", "mailq-envelope 3\nnotice users/2013100717060690338676\n" + ok + "end\n"},
		{"notice of a bad id", "mailq-envelope 3\nnotice queue/1234\n" + ok + "end\n"},
		{"version 02", "mailq-envelope 02\n" + ok + "end\n"},
		{"version 0", "mailq-envelope 0\n" + ok + "end\n"},
		{"origin in version 1", head + "origin remote\n" + ok + "end\n"},
		{"unknown origin", "mailq-envelope 2\norigin mars\n" + ok + "end\n"},
		{"empty origin name", "mailq-envelope 2\norigin \"\"\n" + ok + "end\n"},
		{"repeated origin", "mailq-envelope 2\norigin local\norigin local\n" + ok + "end\n"},
		{"text after end", head + ok + "end\nrcpt c@d\n"},
		{"blank after end", head + ok + "end\n\n"},
		{"end with value", head + ok + "end now\n"},
		{"no from", head + "rcpt a@b\nend\n"},
		{"no rcpt", head + "from s@x\nend\n"},
		{"null rcpt", head + "from s@x\nrcpt <>\nend\n"},
		{"rcpt without address", head + "from s@x\nrcpt\nend\n"},
		{"repeated from", head + "from s@x\n" + ok + "end\n"},
		{"unknown key", head + ok + "colour blue\nend\n"},
		{"two values", head + "helo a b\n" + ok + "end\n"},
		{"key without value", head + "helo\n" + ok + "end\n"},
		{"control char", head + "helo a\x01b\n" + ok + "end\n"},
		{"bare cr", head + "helo a\rb\n" + ok + "end\n"},
		{"nul", head + "helo a\x00\n" + ok + "end\n"},
		{"truncated escape", head + "helo ab%2\n" + ok + "end\n"},
		{"bad escape", head + "helo ab%zz\n" + ok + "end\n"},
		{"bad id", head + "id 123\n" + ok + "end\n"},
		{"bad time", head + "received yesterday\n" + ok + "end\n"},
		{"bad ip", head + "client 300.1.1.1\n" + ok + "end\n"},
		{"bad body", head + "body BINARYMIME\n" + ok + "end\n"},
		{"negative size", head + "size -1\n" + ok + "end\n"},
		{"signed size", head + "size +1\n" + ok + "end\n"},
		{"unknown attribute", head + "from s@x\nrcpt a@b colour=blue\nend\n"},
		{"attribute without =", head + "from s@x\nrcpt a@b status\nend\n"},
		{"empty attribute", head + "from s@x\nrcpt a@b status=\nend\n"},
		{"repeated attribute", head + "from s@x\nrcpt a@b n=1 n=1\nend\n"},
		{"repeated number", head + "from s@x\nrcpt a@b n=1\nrcpt c@d n=1\nend\n"},
		{"number zero", head + "from s@x\nrcpt a@b n=0\nend\n"},
		{"number too large", head + "from s@x\nrcpt a@b n=1000000\nend\n"},
		{"unknown status", head + "from s@x\nrcpt a@b status=lost\nend\n"},
		{"bad next", head + "from s@x\nrcpt a@b next=soon\nend\n"},
		{"huge", head + strings.Repeat("# padding\n", maxEnvelopeSize/10+1) + ok + "end\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseEnvelope([]byte(c.in))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseEnvelope = %+v, %v; want ErrMalformed", e, err)
			}
		})
	}
}

func TestMarshalTextRejects(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		change func(*Envelope)
	}{
		{"no recipients", func(e *Envelope) { e.Recipients = nil }},
		{"empty address", func(e *Envelope) { e.Recipients[0].Addr = "" }},
		{"unnumbered", func(e *Envelope) { e.Recipients[0].N = 0 }},
		{"repeated number", func(e *Envelope) { e.Recipients = append(e.Recipients, e.Recipients[0]) }},
		{"bad id", func(e *Envelope) { e.ID = "x/../y" }},
		{"negative size", func(e *Envelope) { e.Size = -1 }},
		{"bad body", func(e *Envelope) { e.Body = 7 }},
		{"bad status", func(e *Envelope) { e.Recipients[0].Status = -1 }},
		{"negative attempts", func(e *Envelope) { e.Recipients[0].Attempts = -1 }},
		{"year 10000", func(e *Envelope) { e.Received = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := testEnvelope()
			e.number()
			c.change(e)
			if _, err := e.MarshalText(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("MarshalText = %v; want ErrMalformed", err)
			}
		})
	}
}

// TestHostileValues checks that values from clients cannot add lines or
// fields: each comes back exactly as it went in.
func TestHostileValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{
		"evil\r\nrcpt attacker@x\r\nend", "a b", "%41", "<>", "<a@b>", "\x00\xff", "n=5",
		"#comment", "end", "\"quoted local\"@x", "ünïcode", "\t", "%",
	} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			e := testEnvelope(v)
			e.Helo, e.AuthUser, e.Tracking, e.From = v, v, v, v
			e.Recipients[0].Orig, e.Recipients[0].Result = v, v
			e.number()
			text, err := e.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(text), "\n"); n != 11 {
				t.Errorf("%d lines; want 11:\n%s", n, text)
			}
			got, err := ParseEnvelope(text)
			if err != nil {
				t.Fatalf("%v in\n%s", err, text)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip gave\n%+v\nwant\n%+v", got, e)
			}
		})
	}
}
