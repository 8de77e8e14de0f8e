package mda

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"mailq/queue"
)

// routingCase is one message of TestRouting.
type routingCase struct {
	name      string
	rcpts     []string
	refileOff bool
	files     []string          // every file of the tree afterwards
	top       map[string]string // file → the fields the MDA put on top
	external  []string          // "n addr orig" of the external set
	log       []string          // in the MDA log
}

const extSet = "queue/external/{id}"

// routingCases cover the table: local, alias, alias chain, alias
// loop, unknown local, external, and mixed recipients in one message.
var routingCases = []routingCase{
	{name: "local", rcpts: []string{"alice@test.example"},
		files: []string{"users/alice@test.example/{id}.eml"},
		top: map[string]string{"users/alice@test.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: alice@test.example\r\nX-GUID: "},
		log: []string{"delivered,alice@test.example,,sender@far.example,alice@test.example"}},
	{name: "local in another case", rcpts: []string{"ALICE@Test.Example"},
		files: []string{"users/alice@test.example/{id}.eml"},
		top: map[string]string{"users/alice@test.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: alice@test.example\r\nX-GUID: "}},
	{name: "alias", rcpts: []string{"sales@test.example"},
		files: []string{"users/alice@test.example/{id}.eml"},
		top: map[string]string{"users/alice@test.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: alice@test.example\r\nX-Original-To: sales@test.example\r\n"},
		log: []string{"delivered,alice@test.example,sales@test.example,"}},
	{name: "bare alias at a second domain", rcpts: []string{"abuse@other.example"},
		files: []string{"users/bob@test.example/{id}.eml"}},
	{name: "alias chain", rcpts: []string{"team@test.example"},
		files: []string{"users/alice@test.example/{id}.eml"},
		top: map[string]string{"users/alice@test.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: alice@test.example\r\nX-Original-To: team@test.example\r\n"}},
	{name: "alias loop", rcpts: []string{"loop1@test.example"},
		files: []string{"users/unknown/loop1@test.example/{id}.eml"},
		log:   []string{"alias-loop,loop1@test.example", "loop1@test.example -> loop2@test.example -> loop1@test.example"}},
	{name: "alias loop with refiling off", rcpts: []string{"loop2@test.example"}, refileOff: true,
		files: []string{"users/unknown/loop2@test.example/{id}.eml"}},
	{name: "unknown local", rcpts: []string{"nobody@other.example"},
		files: []string{"users/unknown/nobody@other.example/{id}.eml"},
		top: map[string]string{"users/unknown/nobody@other.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: nobody@other.example\r\n"},
		log: []string{"unknown,nobody@other.example"}},
	{name: "alias to an unknown user", rcpts: []string{"ghost@test.example"},
		files: []string{"users/unknown/nobody@test.example/{id}.eml"}},
	{name: "unknown local with refiling off", rcpts: []string{"nobody@test.example"}, refileOff: true,
		files: []string{"queue/failed/{id}-1.auth", "queue/failed/{id}-1.eml"},
		log:   []string{"failed,nobody@test.example"}},
	{name: "postmaster without account, refiling off", rcpts: []string{"PostMaster@other.example"}, refileOff: true,
		files: []string{"users/unknown/postmaster@other.example/{id}.eml"}},
	{name: "domainless postmaster", rcpts: []string{"Postmaster"},
		files: []string{"users/unknown/postmaster@test.example/{id}.eml"},
		top: map[string]string{"users/unknown/postmaster@test.example/{id}.eml": "Return-Path: <sender@far.example>\r\n" +
			"Delivered-To: postmaster@test.example\r\nX-Original-To: Postmaster\r\n"}},
	{name: "external", rcpts: []string{"x@far.example"},
		files:    []string{extSet + ".auth", extSet + ".eml"},
		external: []string{"1 x@far.example "},
		log:      []string{"external,x@far.example"}},
	// RFC 6531: a UTF-8 local part (SMTPUTF8) is an address like any other.
	{name: "external UTF-8", rcpts: []string{"j\u00f6rg@xn--bcher-kva.example"},
		files:    []string{extSet + ".auth", extSet + ".eml"},
		external: []string{"1 j\u00f6rg@xn--bcher-kva.example "}},
	{name: "unknown local UTF-8", rcpts: []string{"J\u00d6rg@other.example"},
		files: []string{"users/unknown/j\u00f6rg@other.example/{id}.eml"}},
	{name: "alias forward to external", rcpts: []string{"fwd@test.example"},
		files:    []string{extSet + ".auth", extSet + ".eml"},
		external: []string{"1 someone@far.example fwd@test.example"}},
	{name: "mixed",
		rcpts: []string{"alice@test.example", "x@far.example", "sales@test.example", "bob@test.example",
			"nobody@test.example", "fwd@test.example", "X@FAR.EXAMPLE", "y@far.example"},
		files: []string{"users/alice@test.example/{id}.eml", "users/bob@test.example/{id}.eml",
			"users/unknown/nobody@test.example/{id}.eml", extSet + ".auth", extSet + ".eml"},
		external: []string{"2 x@far.example ", "6 someone@far.example fwd@test.example", "8 y@far.example "},
		log:      []string{"duplicate,alice@test.example,sales@test.example", "duplicate,X@FAR.EXAMPLE"}},
}

// TestRouting files one message per case and checks the whole tree: every
// copy where it belongs with its delivery headers, the external set with
// exactly the external recipients, and nothing left in the queue.
func TestRouting(t *testing.T) {
	t.Parallel()
	for _, c := range routingCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(func(o *Options) { o.MDA.RefileUnknownUsers = !c.refileOff })
			id := tb.commit("sender@far.example", c.rcpts, testMessage)
			tb.fileAll(a)
			if got, want := tb.files(), expand(id, c.files...); !slices.Equal(got, want) {
				t.Fatalf("tree:\n got %q\nwant %q", got, want)
			}
			for rel, top := range c.top {
				checkCopy(t, tb.read(strings.ReplaceAll(rel, "{id}", string(id))), top)
			}
			if c.external != nil {
				env, err := tb.tree.Envelope(queue.External, id)
				if err != nil {
					t.Fatal(err)
				}
				checkExternal(t, tb, env, c.external)
			}
			log := tb.mdaLog()
			for _, want := range c.log {
				if !strings.Contains(log, want) {
					t.Errorf("MDA log lacks %q:\n%s", want, log)
				}
			}
		})
	}
}

// checkCopy checks a delivered copy: the MDA's fields on top, then the
// message with its own Return-Path removed and everything else unchanged.
func checkCopy(t *testing.T, got, top string) {
	t.Helper()
	if !strings.HasPrefix(got, top) {
		t.Fatalf("copy does not start with %q:\n%s", top, got)
	}
	if n := strings.Count(strings.ToLower(got), "return-path:"); n != 1 {
		t.Fatalf("copy has %d Return-Path fields, want 1:\n%s", n, got)
	}
	rest := testMessage[strings.Index(testMessage, "From:"):]
	if !strings.HasSuffix(got, rest) {
		t.Fatalf("copy does not end with the message:\n%s", got)
	}
	head := got[:len(got)-len(rest)]
	if strings.Count(head, "\r\n") != strings.Count(head, "\n") || !strings.HasSuffix(head, "\r\n") {
		t.Fatalf("delivery fields are not CRLF lines: %q", head)
	}
}

func checkExternal(t *testing.T, tb *testbed, env *queue.Envelope, want []string) {
	t.Helper()
	var got []string
	for _, r := range env.Recipients {
		if r.Status != queue.StatusPending || r.Attempts != 0 {
			t.Errorf("external recipient %+v is not fresh", r)
		}
		got = append(got, fmt.Sprintf("%d %s %s", r.N, r.Addr, r.Orig))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("external recipients %q, want %q", got, want)
	}
	if env.From != "sender@far.example" || env.Helo != "client.example" || env.Tracking == "" || env.Received.IsZero() {
		t.Fatalf("external envelope lost the original's fields: %+v", env)
	}
	msg := testMessage[strings.Index(testMessage, "From:"):] // without Return-Path
	if body := tb.read("queue/external/" + string(env.ID) + ".eml"); body != msg {
		t.Fatalf("external message:\n%q\nwant\n%q", body, msg)
	}
}

// TestFailedSetKeepsEnvelope checks the set given up with refiling off.
func TestFailedSetKeepsEnvelope(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(func(o *Options) { o.MDA.RefileUnknownUsers = false })
	id := tb.commit("", []string{"alice@test.example", "nobody@test.example"}, testMessage)
	tb.fileAll(a)
	env, err := tb.tree.Envelope(queue.Failed, id.Derive(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Recipients) != 1 || env.Recipients[0].Status != queue.StatusFailed ||
		!strings.HasPrefix(env.Recipients[0].Result, "550 5.1.1") || env.Recipients[0].N != 2 {
		t.Fatalf("failed set recipients %+v", env.Recipients)
	}
	if got := tb.read("users/alice@test.example/" + string(id) + ".eml"); !strings.HasPrefix(got, "Return-Path: <>\r\n") {
		t.Fatalf("null sender copy starts %q", got[:40])
	}
}

// TestSMTPTraceKept: a message as the SMTP server commits it (its own
// Return-Path and X-GUID on top) gets one Return-Path, ours, and keeps its
// X-GUID without a second one.
func TestSMTPTraceKept(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	msg := "Return-Path: <sender@far.example>\r\nReceived: from client.example ([192.0.2.1])\r\n\tby mx.test.example (mailq) with ESMTP id 1;\r\n\tMon, 23 Nov 2026 10:00:00 +0000\r\n" +
		"X-GUID: 326ADE6D-945E-4EB8-907A-E01B2B0794CD\r\nSubject: hi\r\n\r\nbody\r\n"
	id := tb.commit("sender@far.example", []string{"alice@test.example"}, msg)
	tb.fileAll(a)
	got := tb.read("users/alice@test.example/" + string(id) + ".eml")
	want := "Return-Path: <sender@far.example>\r\nDelivered-To: alice@test.example\r\n" + msg[len("Return-Path: <sender@far.example>\r\n"):]
	if got != want {
		t.Fatalf("copy:\n%s\nwant:\n%s", got, want)
	}
}
