package guard

import (
	"encoding/base64"
	"net/netip"
	"net/textproto"
	"testing"

	"mailq/config"
	"mailq/queue"
)

// TestOriginRecorded: the .auth of a message says whether its sender is
// known (queue.OriginLocal: logged in, loopback, [RelayIPs]) or only
// claimed by a client from outside (queue.OriginRemote), which is what
// keeps failure notices about alias targets from forged senders (issue 22).
func TestOriginRecorded(t *testing.T) {
	for _, c := range []struct {
		name  string
		from  netip.Addr
		auth  bool
		trust string
		want  queue.Origin
	}{
		{"anonymous from outside", remote, false, "", queue.OriginRemote},
		{"authenticated from outside", remote, true, "", queue.OriginLocal},
		{"trusted relay address", remote, false, "203.0.113.0/24", queue.OriginLocal},
		{"loopback", loopback, false, "", queue.OriginLocal},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *config.Config) {
				cfg.Domains = []string{"test.example"}
				cfg.SMTP.Relay = config.RelayTwoWay
				if c.trust != "" {
					cfg.RelayIPs = append(cfg.RelayIPs, netip.MustParsePrefix(c.trust))
				}
			})
			addr := startGuardedFrom(t, e, e.smtp(), c.from)
			sendOne(t, addr, c.auth)
			pt := e.cfg.Paths
			tree, err := queue.Open(queue.Dirs{Incoming: pt.Queue, External: pt.External, Retry: pt.Retry,
				Sent: pt.Sent, Failed: pt.Failed, Bad: pt.Bad, Users: pt.Users, Unknown: pt.Unknown})
			if err != nil {
				t.Fatal(err)
			}
			ids, err := tree.List(queue.Incoming)
			if err != nil || len(ids) != 1 {
				t.Fatalf("queue %v, %v; want one set", ids, err)
			}
			env, err := tree.Envelope(queue.Incoming, ids[0])
			if err != nil {
				t.Fatal(err)
			}
			if env.Origin != c.want {
				t.Errorf("origin %q, want %q", env.Origin, c.want)
			}
		})
	}
}

// sendOne sends one message to localRcpt, logged in if auth.
func sendOne(t *testing.T, addr string, auth bool) {
	t.Helper()
	c, step := greeted(t, addr)
	defer c.Close()
	if auth {
		step("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00"+relayUser+"\x00"+relayPass)), 235)
	}
	step("MAIL FROM:<someone@elsewhere.example>", 250)
	step("RCPT TO:<"+localRcpt+">", 250)
	step("DATA", 354)
	step("Subject: origin\r\n\r\nhello\r\n.", 250)
	step("QUIT", 221)
}

// greeted opens an SMTP session to addr, past its greeting and EHLO, and
// returns it with a step function: send cmd ("" for none) and require a
// reply with code want.
func greeted(t *testing.T, addr string) (*textproto.Conn, func(cmd string, want int)) {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	step := func(cmd string, want int) {
		t.Helper()
		if cmd != "" {
			c.PrintfLine("%s", cmd)
		}
		if code, msg, err := c.ReadResponse(want); err != nil {
			t.Fatalf("%q: %d %s: %v", cmd, code, msg, err)
		}
	}
	step("", 220)
	step("EHLO client.example.net", 250)
	return c, step
}
