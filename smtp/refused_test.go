package smtp

import (
	"testing"
)

// TestRefusedSessionsFreeTheirPlace: a refused client that waits for QUIT
// gives back its place among the lingering ones when it leaves, so refused
// clients one after another, more than maxLingering of them, are each
// still answered 503 until their QUIT (RFC 5321 §3.1), not closed at once.
func TestRefusedSessionsFreeTheirPlace(t *testing.T) {
	t.Parallel()
	g := &recordGuard{refuse: map[string]error{"Connect": reply(554, "5.7.1", "Your address is blocked")}}
	ts := startServer(t, func(o *Options) { o.Guard = g })
	for i := range maxLingering + 2 {
		c, greet := dial(t, ts.addr)
		if greet != "554 5.7.1 Your address is blocked" {
			t.Fatalf("client %d greeted with %q", i+1, greet)
		}
		if r := c.cmd("EHLO client.example"); r != "503 5.5.1 No service: Your address is blocked" {
			t.Fatalf("client %d: EHLO answered %q, want the 503 of a lingering refusal", i+1, r)
		}
		c.expect("QUIT", "221 ")
		c.closed() // the session, and its place, are over
		c.c.Close()
	}
}

// TestRefusedWithoutText: a Guard's 554 with no text still leaves the
// client waiting for QUIT, with a plain "No service" to its commands.
func TestRefusedWithoutText(t *testing.T) {
	t.Parallel()
	g := &recordGuard{refuse: map[string]error{"Connect": Reply{Code: 554, Enh: "5.7.1"}}}
	ts := startServer(t, func(o *Options) { o.Guard = g })
	c, greet := dial(t, ts.addr)
	if greet != "554 5.7.1" {
		t.Fatalf("greeted with %q", greet)
	}
	if r := c.cmd("EHLO client.example"); r != "503 5.5.1 No service" {
		t.Fatalf("EHLO answered %q", r)
	}
	c.expect("QUIT", "221 ")
	c.closed()
}
