package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestLogins(t *testing.T, clk *clock) (*Logins, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "logins.txt")
	return NewLogins(path, LoginOptions{PerAccountIP: 5, PerIP: 20, PerAccount: 20, Lock: 15 * time.Minute, Now: clk.Now}), path
}

// ip4 returns 192.0.2.n, or 198.51.100.(n-256) beyond 255: enough test
// addresses that are not loopback.
func ip4(n int) netip.Addr {
	if n < 256 {
		return netip.AddrFrom4([4]byte{192, 0, 2, byte(n)})
	}
	return netip.AddrFrom4([4]byte{198, byte(51 + n/65536), byte(n / 256), byte(n)})
}

// guess is one checked login attempt that fails, as a server makes it: ask,
// then, unless refused, check and count. It reports whether the password
// was checked.
func guess(t *testing.T, l *Logins, name string, ip netip.Addr, exempt bool) bool {
	t.Helper()
	r := l.Check(name, ip, exempt)
	if _, err := l.Failed(name, ip, exempt, !r.Refused()); err != nil {
		t.Fatal(err)
	}
	return !r.Refused()
}

func TestLoginsAccountIPBlock(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, _ := newTestLogins(t, clk)
	a, b := ip4(1), ip4(2)
	for i := 1; i <= 5; i++ {
		if !guess(t, l, "alice@example.org", a, false) {
			t.Fatalf("guess %d refused before the limit", i)
		}
	}
	if r := l.Check("Alice@Example.org", a, false); r.Rule != LoginAccountIP || !r.Until.Equal(clk.Now().Add(15*time.Minute)) {
		t.Fatalf("after 5 failures: %+v, want an account+address block for 15 minutes", r)
	}
	// The owner, from an address that has not failed, is not locked out;
	// the guessing address may still try other names.
	if r := l.Check("alice@example.org", b, false); r.Refused() {
		t.Fatalf("another address is refused: %+v", r)
	}
	if r := l.Check("bob@example.org", a, false); r.Refused() {
		t.Fatalf("another name from the guessing address is refused: %+v", r)
	}
	clk.Add(15 * time.Minute)
	if r := l.Check("alice@example.org", a, false); r.Refused() {
		t.Fatalf("still refused after the lock time: %+v", r)
	}
}

func TestLoginsIPBlock(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, _ := newTestLogins(t, clk)
	a := ip4(1)
	for i := range 20 {
		if !guess(t, l, "user"+string(rune('a'+i))+"@example.org", a, false) {
			t.Fatalf("guess %d refused", i+1)
		}
	}
	if r := l.Check("fresh@example.org", a, false); r.Rule != LoginIP {
		t.Fatalf("after 20 failures over many names: %+v, want an address block", r)
	}
	if r := l.Check("fresh@example.org", ip4(2), false); r.Refused() {
		t.Fatalf("another address refused: %+v", r)
	}
}

// TestLoginsIPv6Prefix: addresses of one /64 count as one.
func TestLoginsIPv6Prefix(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, _ := newTestLogins(t, clk)
	for i := 1; i <= 5; i++ {
		ip := netip.MustParseAddr("2001:db8:10:1::" + string(rune('0'+i)))
		if !guess(t, l, "alice@example.org", ip, false) {
			t.Fatalf("guess %d refused", i)
		}
	}
	if r := l.Check("alice@example.org", netip.MustParseAddr("2001:db8:10:1::ffff"), false); r.Rule != LoginAccountIP {
		t.Fatalf("another address of the /64: %+v, want refused", r)
	}
	if r := l.Check("alice@example.org", netip.MustParseAddr("2001:db8:10:2::1"), false); r.Refused() {
		t.Fatalf("another /64: %+v, want free", r)
	}
}

// TestLoginsDistributedAttack: many addresses, each guessing a few times,
// lock the account for the lock time, then it is free again; the number of
// passwords checked stays under 100 a minute over an hour of attack.
func TestLoginsDistributedAttack(t *testing.T) {
	t.Parallel()
	clk := newClock()
	// A lock time of 2 minutes (the shortest sensible LockoutMinutes is
	// 1) lets a few thousand steps cover several lock cycles; a longer lock
	// only lowers the rate.
	path := filepath.Join(t.TempDir(), "logins.txt")
	l := NewLogins(path, LoginOptions{PerAccountIP: 5, PerIP: 20, PerAccount: 20, Lock: 2 * time.Minute, Now: clk.Now})
	const name = "alice@example.org"
	perMinute := map[int64]int{}
	start := clk.Now()
	// 300 addresses, each sending one guess in turn, one every 250 ms: 240
	// attempts a minute, for 7 minutes.
	for step := 0; step < 1680; step++ {
		if guess(t, l, name, ip4(step%300), false) {
			perMinute[int64(clk.Now().Sub(start)/time.Minute)]++
		}
		clk.Add(250 * time.Millisecond)
		if step == 100 {
			// The attack has run for 25 seconds: the owner, from an address
			// that never failed, is locked out for the lock time only.
			if r := l.Check(name, ip4(20000), false); r.Rule != LoginAccount || r.Until.Sub(clk.Now()) > 2*time.Minute {
				t.Fatalf("during the attack: %+v, want the account locked at most 2 minutes", r)
			}
		}
	}
	total := 0
	for m, n := range perMinute {
		total += n
		if n >= 100 {
			t.Errorf("minute %d: %d passwords checked, want fewer than 100", m, n)
		}
	}
	if len(perMinute) < 3 {
		t.Fatalf("passwords were checked in %d minutes only: the lock never lapsed, and the test shows no cycle", len(perMinute))
	}
	t.Logf("%d passwords checked in 7 minutes of 240 attempts a minute: %v", total, perMinute)
	clk.Add(2 * time.Minute)
	if r := l.Check(name, ip4(20000), false); r.Refused() {
		t.Fatalf("after the attack and the lock time: %+v", r)
	}
}

// TestLoginsExempt: loopback and [RelayIPs] escape the address rules, but
// their failures count towards the account lock.
func TestLoginsExempt(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, _ := newTestLogins(t, clk)
	lo := netip.MustParseAddr("127.0.0.1")
	for i := 1; i <= 19; i++ {
		if !guess(t, l, "alice@example.org", lo, true) {
			t.Fatalf("exempt guess %d refused", i)
		}
	}
	if r := l.Check("alice@example.org", ip4(9), false); r.Refused() {
		t.Fatalf("refused before the account limit: %+v", r)
	}
	guess(t, l, "alice@example.org", lo, true)
	if r := l.Check("alice@example.org", ip4(9), false); r.Rule != LoginAccount {
		t.Fatalf("after 20 exempt failures: %+v, want the account locked", r)
	}
	if r := l.Check("alice@example.org", lo, true); r.Rule != LoginAccount {
		t.Fatalf("the account lock must hold for exempt addresses too: %+v", r)
	}
}

// TestLoginsSucceeded: a success forgets the name's failures from that
// address, not the account's count.
func TestLoginsSucceeded(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, path := newTestLogins(t, clk)
	a := ip4(1)
	for range 4 {
		guess(t, l, "alice@example.org", a, false)
	}
	if err := l.Succeeded("alice@example.org", a); err != nil {
		t.Fatal(err)
	}
	c, err := l.Failed("alice@example.org", a, false, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.AccountIP != 1 || c.Account != 5 || c.IP != 5 {
		t.Fatalf("after a success: %+v, want account+address 1, account 5, address 5", c)
	}
	before, _ := os.ReadFile(path)
	if err := l.Succeeded("bob@example.org", a); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a success with nothing to forget rewrote the file")
	}
}

// TestLoginsShared: two instances (two Logins on one file) see each other's
// failures and locks, and ForgetAccount (/UNLOCK) clears the account.
func TestLoginsShared(t *testing.T) {
	t.Parallel()
	clk := newClock()
	smtp, path := newTestLogins(t, clk)
	pop := NewLogins(path, LoginOptions{PerAccountIP: 5, PerIP: 20, PerAccount: 20, Lock: 15 * time.Minute, Now: clk.Now})
	a := ip4(1)
	for i := range 5 {
		l := smtp
		if i%2 == 1 {
			l = pop
		}
		guess(t, l, "alice@example.org", a, false)
	}
	for _, l := range []*Logins{smtp, pop} {
		if r := l.Check("alice@example.org", a, false); r.Rule != LoginAccountIP {
			t.Fatalf("after 5 failures shared between two instances: %+v", r)
		}
	}
	for i := range 20 {
		guess(t, pop, "alice@example.org", ip4(10+i), false)
	}
	if r := smtp.Check("alice@example.org", ip4(100), false); r.Rule != LoginAccount {
		t.Fatalf("account lock written by the other instance: %+v", r)
	}
	removed, err := ForgetAccount(path, "ALICE@example.org")
	if err != nil || !removed {
		t.Fatalf("ForgetAccount = %v, %v", removed, err)
	}
	for _, l := range []*Logins{smtp, pop} {
		if r := l.Check("alice@example.org", a, false); r.Refused() {
			t.Fatalf("after ForgetAccount: %+v", r)
		}
	}
	if removed, err := ForgetAccount(path, "alice@example.org"); err != nil || removed {
		t.Fatalf("second ForgetAccount = %v, %v; want nothing removed", removed, err)
	}
}

// TestLoginsFile: names a client chose (blanks, CR LF, very long) stay one
// line each and round-trip; damaged lines are skipped.
func TestLoginsFile(t *testing.T) {
	t.Parallel()
	clk := newClock()
	l, path := newTestLogins(t, clk)
	names := []string{"a b@example.org", "x\r\nip 9 9 9 9 192.0.2.9", strings.Repeat("n", 1000), ""}
	for _, n := range names {
		if _, err := l.Failed(n, ip4(1), false, true); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	// header, 4 account lines, 1 ip line, 4 pair lines
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10:\n%s", len(lines), data)
	}
	recs := parseLoginFile(append(data, "pair x 1 2 3 192.0.2.1 y\nip 1 1 1 0 192.0.2.1/24\ngarbage\n"...))
	for _, n := range names {
		if recs[loginKey{kind: kindAccount, name: loginName(n)}] == nil {
			t.Errorf("name %q did not round-trip", n)
		}
	}
	if len(recs) != 9 {
		t.Errorf("%d records parsed, want 9 (damaged lines skipped)", len(recs))
	}
}

// TestLoginsBounded: a flood of names cannot grow the file past
// MaxEntries, and cannot push out an account lock.
func TestLoginsBounded(t *testing.T) {
	t.Parallel()
	clk := newClock()
	path := filepath.Join(t.TempDir(), "logins.txt")
	l := NewLogins(path, LoginOptions{PerAccountIP: 5, PerAccount: 3, Lock: time.Hour, MaxEntries: 50, Now: clk.Now})
	for i := range 3 {
		guess(t, l, "alice@example.org", ip4(i), true)
	}
	for i := range 200 {
		clk.Add(time.Second)
		guess(t, l, "n"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"@example.org", ip4(i), true)
	}
	if n := len(l.recs); n > 50 {
		t.Fatalf("%d records kept, want at most 50", n)
	}
	if r := l.Check("alice@example.org", ip4(1), false); r.Rule != LoginAccount {
		t.Fatalf("the account lock was pushed out: %+v", r)
	}
}

// FuzzLoginLine checks the failed-login file's line parser: it never
// panics, and a record it accepts writes out as one line that reads back as
// the same record (names a client chose included).
func FuzzLoginLine(f *testing.F) {
	f.Add("account 3 0 1800000000 0 =alice%40example.org")
	f.Add("pair 5 0 1800000000 1800000900 192.0.2.1 =a+b%0D%0A")
	f.Add("ip 20 31 1800000000 1800000900 2001:db8:10:1::")
	f.Fuzz(func(t *testing.T, line string) {
		k, r, ok := parseLoginLine(line)
		if !ok {
			return
		}
		out := formatLoginFile(map[loginKey]*loginRec{k: r})
		recs := parseLoginFile(out)
		if n := strings.Count(string(out), "\n"); n != 2 {
			t.Fatalf("%q wrote %d lines:\n%s", line, n, out)
		}
		back := recs[k]
		if back == nil || back.fails != r.fails || back.tries != r.tries || !back.start.Equal(r.start) || !back.until.Equal(r.until) {
			t.Fatalf("%q: %+v %+v read back as %+v from:\n%s", line, k, r, back, out)
		}
	})
}

// BenchmarkLoginsFailed measures one counted failure (read, change and
// rewrite the file under the lock) with 1,000 records in the file.
func BenchmarkLoginsFailed(b *testing.B) {
	clk := newClock()
	l := NewLogins(filepath.Join(b.TempDir(), "logins.txt"), LoginOptions{PerAccountIP: 5, PerIP: 20, PerAccount: 1 << 30, Lock: time.Hour, Now: clk.Now})
	for i := range 500 {
		if _, err := l.Failed("alice@example.org", ip4(i), false, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := l.Failed("alice@example.org", ip4(i%500), false, true); err != nil {
			b.Fatal(err)
		}
	}
}
