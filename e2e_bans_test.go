package main

import (
	"mailq/internal/testutil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBansAgainstRunningServer: an automatic ban older than AutoBanMinutes
// no longer refuses and is removed from ipblock.txt by the running server;
// a fresh one refuses until /UNBAN lifts it; /BANS lists what is there and
// hand-written lines are never touched. (The block list applies to
// loopback too, so no outside address is needed.)
func TestBansAgainstRunningServer(t *testing.T) {
	t.Parallel()
	ini := strings.Replace(testINI, "[Config]\n", "[Config]\nAutoBanMinutes=5\nCacheIPBlockFile=True\n", 1)
	dir := newTree(t, ini)
	block := filepath.Join(dir, "ipblock.txt")
	old := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)
	hand := "198.51.100.0/24  # our old office\n"
	if err := os.WriteFile(block, []byte(hand+"127.0.0.1  # banned "+old+" by SMTP: 100 failed logins\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := start(t, dir)
	if g := greeting(t, in.addr); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("an ended ban still refuses: %q", g)
	}
	if data, _ := os.ReadFile(block); string(data) != hand {
		t.Fatalf("ipblock.txt after the ban ended:\n%s", data)
	}
	in.waitOutput("ban ended")

	fresh := time.Now().UTC().Format(time.RFC3339)
	if err := os.WriteFile(block, []byte(hand+"127.0.0.1  # banned "+fresh+" by POP3: 100 failed logins\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := func() bool {
		return !strings.HasPrefix(greeting(t, in.addr), "220 ")
	}
	testutil.Eventually(t, "the fresh ban applied", refused)
	code, out := mailq(t, dir, "/bans")
	if code != 0 || !strings.Contains(out, "198.51.100.0/24          written by hand") || !strings.Contains(out, "127.0.0.1/32") || !strings.Contains(out, "ends ") {
		t.Fatalf("/bans: exit %d\n%s", code, out)
	}
	if code, out := mailq(t, dir, "/unban:127.0.0.1"); code != 0 || !strings.Contains(out, "removed 127.0.0.1") {
		t.Fatalf("/unban: exit %d\n%s", code, out)
	}
	testutil.Eventually(t, "the ban lifted by /unban", func() bool { return !refused() })
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"/unban:127.0.0.1"}, exitCommand, "is not banned"},
		{[]string{"/unban:198.51.100.7"}, exitCommand, "written by hand"},
		{[]string{"/unban:nonsense"}, exitUsage, "needs an IP address"},
	} {
		if code, out := mailq(t, dir, c.args...); code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", c.args, code, c.code, c.want, out)
		}
	}
	if data, _ := os.ReadFile(block); string(data) != hand {
		t.Fatalf("ipblock.txt at the end:\n%s", data)
	}
}
