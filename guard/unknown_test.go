package guard

import (
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailq/config"
)

// rcptSession opens a session from the server's remote client, names each
// recipient in turn and returns the reply to each ("" once the server has
// closed the connection).
func rcptSession(t *testing.T, addr string, rcpts ...string) []string {
	t.Helper()
	c, step := greeted(t, addr)
	defer c.Close()
	step("MAIL FROM:<harvester@elsewhere.example>", 250)
	out := make([]string, 0, len(rcpts))
	for _, r := range rcpts {
		if err := c.PrintfLine("RCPT TO:<%s>", r); err != nil {
			out = append(out, "")
			continue
		}
		code, msg, err := c.ReadResponse(0)
		if code == 0 && err != nil {
			out = append(out, "")
			continue
		}
		out = append(out, fmt.Sprintf("%d %s", code, msg))
	}
	c.PrintfLine("QUIT")
	return out
}

// TestHarvestRefiledAcrossSessions: with RefileUnknownUsers=True, unknown
// users are accepted, but still counted against MaxUnknownRecipients per
// address and hour, across sessions that each stay below the limit. Before
// issue 22 refiled recipients were not counted at all, so a remote client
// could name any number of new addresses (each a new folder).
func TestHarvestRefiledAcrossSessions(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.Abuse.MaxUnknownRecipients = 5
		c.Domains = []string{"test.example"}
		c.SMTP.Relay = config.RelayTwoWay // mail from outside to local users
	})
	addr := startGuardedFrom(t, e, e.smtp(), remote)
	var got []string
	for s := 0; s < 3; s++ {
		got = append(got, rcptSession(t, addr,
			fmt.Sprintf("guess%da@test.example", s), fmt.Sprintf("guess%db@test.example", s))...)
	}
	for i, r := range got {
		ok := strings.HasPrefix(r, "250 ")
		if i < 4 && !ok {
			t.Errorf("unknown recipient %d: %q, want 250 (below the limit)", i+1, r)
		}
		if i == 4 && !strings.HasPrefix(r, "421 ") {
			t.Errorf("unknown recipient %d: %q, want 421 (the fifth in the hour)", i+1, r)
		}
	}
	// Blocked for the hour: the next connection is refused at once.
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code, msg, _ := c.ReadResponse(0); code != 421 {
		t.Errorf("after the block: %d %s, want 421", code, msg)
	}
	if !strings.Contains(e.out.String(), "5 unknown recipients in the last hour") {
		t.Errorf("the log does not say why:\n%s", e.out.String())
	}
}

// TestUnknownFoldersBound: once the unknown folder holds MaxUnknownFolders
// folders, a remote client naming a new unknown user is refused at RCPT
// (550 5.1.1, as with RefileUnknownUsers=False), while unknown users that
// have a folder, accounts and postmaster are still accepted. Before issue
// 22 every new name was accepted and became a folder.
func TestUnknownFoldersBound(t *testing.T) {
	e := newEnv(t, func(c *config.Config) {
		c.MDA.MaxUnknownFolders = 3
		c.Domains = []string{"test.example"}
		c.SMTP.Relay = config.RelayTwoWay // mail from outside to local users
	})
	for _, n := range []string{"a@test.example", "b@test.example", "c@test.example"} {
		if err := os.MkdirAll(filepath.Join(e.cfg.Paths.Unknown, n), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := startGuardedFrom(t, e, e.smtp(), remote)
	cases := []struct{ rcpt, want string }{
		{"new1@test.example", "550 5.1.1"},
		{"B@test.example", "250 "}, // has a folder (names are case-insensitive)
		{localRcpt, "250 "},
		{"postmaster@test.example", "250 "},
		{"new2@test.example", "550 5.1.1"},
	}
	var rcpts []string
	for _, c := range cases {
		rcpts = append(rcpts, c.rcpt)
	}
	got := rcptSession(t, addr, rcpts...)
	for i, c := range cases {
		if !strings.HasPrefix(got[i], c.want) {
			t.Errorf("RCPT TO:<%s>: %q, want %s", c.rcpt, got[i], c.want)
		}
	}
	// Below the bound a new name is accepted: the refusal is the bound's.
	// A name accepted counts at once, before the MDA makes its folder. (A
	// new server: the count is reused for a second.)
	if err := os.Remove(filepath.Join(e.cfg.Paths.Unknown, "c@test.example")); err != nil {
		t.Fatal(err)
	}
	addr = startGuardedFrom(t, e, e.smtp(), remote)
	got = rcptSession(t, addr, "new1@test.example", "new2@test.example")
	if !strings.HasPrefix(got[0], "250 ") || !strings.HasPrefix(got[1], "550 5.1.1") {
		t.Errorf("below the bound: %q, want 250 for the first new name and 550 5.1.1 for the second", got)
	}
}
