package smtp

import (
	"fmt"
	"strings"
	"testing"

	"mailq/config"
)

// relayAllowed is the manual's relay table, written out cell by cell.
var relayAllowed = map[config.Relay]map[[2]bool]bool{ // [internal, local recipient]
	config.RelayOff:    {{true, true}: true, {true, false}: false, {false, true}: false, {false, false}: false},
	config.RelayOneWay: {{true, true}: true, {true, false}: true, {false, true}: false, {false, false}: false},
	config.RelayTwoWay: {{true, true}: true, {true, false}: true, {false, true}: true, {false, false}: false},
	config.RelayOpen:   {{true, true}: true, {true, false}: true, {false, true}: true, {false, false}: true},
}

func TestRelayDecision(t *testing.T) {
	t.Parallel()
	for level, cells := range relayAllowed {
		for cell, want := range cells {
			ok, why := relayDecision(level, cell[0], cell[1])
			if ok != want || (ok == (why != "")) {
				t.Errorf("level %d, internal %v, local %v: %v %q, want %v", level, cell[0], cell[1], ok, why, want)
			}
		}
	}
}

// TestRelayTable runs every cell of the relay table through a real session:
// level × authenticated × local or external recipient, plus postmaster,
// which every level accepts from anyone (RFC 5321 §4.5.1), and a client the
// Guard trusts, which counts as internal.
func TestRelayTable(t *testing.T) {
	t.Parallel()
	for level := config.RelayOff; level <= config.RelayOpen; level++ {
		t.Run(level.String(), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, func(o *Options) { o.SMTP.Relay = level })
			trusted := startServer(t, func(o *Options) { o.SMTP.Relay = level; o.Guard = trustAll{} })
			for _, auth := range []bool{false, true} {
				for _, local := range []bool{true, false} {
					rcpt := "someone@elsewhere.example"
					if local {
						rcpt = bobUser
					}
					want := relayAllowed[level][[2]bool{auth, local}]
					name := fmt.Sprintf("auth=%v/local=%v", auth, local)
					t.Run(name, func(t *testing.T) {
						got := rcptReply(t, ts.addr, auth, rcpt)
						checkRelay(t, got, want)
						// A trusted client relays like an authenticated one.
						got = rcptReply(t, trusted.addr, false, rcpt)
						checkRelay(t, got, relayAllowed[level][[2]bool{true, local}])
					})
				}
			}
			t.Run("postmaster", func(t *testing.T) {
				for _, rcpt := range []string{"postmaster@test.example", "POSTMASTER@other.example", "Postmaster"} {
					got := rcptReply(t, ts.addr, false, rcpt)
					checkRelay(t, got, true)
				}
				// Postmaster of another domain is just another external
				// address.
				checkRelay(t, rcptReply(t, ts.addr, false, "postmaster@elsewhere.example"), level == config.RelayOpen)
			})
		})
	}
}

func checkRelay(t *testing.T, got string, want bool) {
	t.Helper()
	switch {
	case want && !strings.HasPrefix(got, "250 2.1.5 "):
		t.Fatalf("got %q, want the recipient accepted", got)
	case !want && !strings.HasPrefix(got, "550 5.7.1 Relaying denied: "):
		t.Fatalf("got %q, want 550 5.7.1 relaying denied", got)
	}
}

// rcptReply opens a session, logs in if asked, and returns the reply to
// RCPT TO:<rcpt>.
func rcptReply(t *testing.T, addr string, auth bool, rcpt string) string {
	t.Helper()
	c, _ := dial(t, addr)
	defer c.c.Close()
	c.expect("EHLO client.example", "250-")
	if auth {
		c.expect("AUTH PLAIN AGFkbWluQHRlc3QuZXhhbXBsZQBzZWNyZXQ=", "235 ")
	}
	c.expect("MAIL FROM:<someone@elsewhere.example>", "250 ")
	return c.cmd("RCPT TO:<" + rcpt + ">")
}

// trustAll is a Guard that lets every client relay (a [RelayIPs] entry
// covering everyone).
type trustAll struct{ OpenGuard }

func (trustAll) MayRelay(Client) bool { return true }
