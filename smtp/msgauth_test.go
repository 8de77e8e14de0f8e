package smtp

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"mailq/internal/testutil"
	"mailq/msgauth"
	"mailq/resolve"
	"mailq/resolve/dnstest"
)

// The client address of the sender-authentication tests (outside
// loopback, which is exempt).
const authClient = "192.0.2.120"

var (
	authOnce   sync.Once
	authSigner *msgauth.Signer
	authRecord string
)

// testSigner signs for dk.test, tk.test and ds.test with one Ed25519 key,
// published (authZone) for dk.test and ds.test.
func testSigner(t testing.TB) *msgauth.Signer {
	authOnce.Do(func() {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		var keys []msgauth.SignKey
		for _, d := range []string{"dk.test", "tk.test", "ds.test"} {
			keys = append(keys, msgauth.SignKey{Domain: d, Selector: "s1", Key: key})
		}
		authSigner = msgauth.NewSigner(keys)
		authRecord, err = msgauth.KeyRecord(key)
		if err != nil {
			panic(err)
		}
	})
	return authSigner
}

// authZone starts a DNS server publishing the test domains' SPF, DKIM and
// DMARC records.
func authZone(t testing.TB) *dnstest.Server {
	testSigner(t)
	srv := dnstest.Start(t)
	srv.Add(
		`pass.test. 300 IN TXT "v=spf1 ip4:`+authClient+` -all"`,
		`fail.test. 300 IN TXT "v=spf1 -all"`,
		`soft.test. 300 IN TXT "v=spf1 ~all"`,
		`none.test. 300 IN A 192.0.2.9`,
		`dm.test. 300 IN TXT "v=spf1 ip4:`+authClient+` -all"`,
		`s1._domainkey.dk.test. 300 IN TXT "`+authRecord+`"`,
		`s1._domainkey.ds.test. 300 IN TXT "`+authRecord+`"`,
		`_dmarc.dm.test. 300 IN TXT "v=DMARC1; p=reject"`,
		`_dmarc.dq.test. 300 IN TXT "v=DMARC1; p=quarantine"`,
		`_dmarc.ds.test. 300 IN TXT "v=DMARC1; p=reject"`,
		`_dmarc.dn.test. 300 IN TXT "v=DMARC1; p=none"`,
	)
	srv.SetFor("temp.test", dns.TypeTXT, dnstest.ServFail)
	srv.SetFor("s1._domainkey.tk.test", dns.TypeTXT, dnstest.ServFail)
	srv.SetFor("_dmarc.dt.test", dns.TypeTXT, dnstest.ServFail)
	return srv
}

// authMessage is a message from the given author; signed by our signer
// when sign, and its body changed after signing when alter.
func authMessage(t testing.TB, author string, sign, alter bool) string {
	m := "From: <" + author + ">\r\nTo: <" + adminUser + ">\r\nSubject: hello\r\n" +
		"Date: Fri, 04 Dec 2026 18:00:00 +0000\r\nMessage-ID: <1@x.test>\r\n\r\nbody line\r\n"
	if sign {
		sig, err := testSigner(t).Sign(strings.NewReader(m))
		if err != nil || sig == "" {
			t.Fatalf("signing: %q, %v", sig, err)
		}
		m = sig + m
	}
	if alter {
		m = strings.Replace(m, "body line", "body line changed", 1)
	}
	return m
}

// startAuth starts a server that checks with the given policies, asking
// dnsAddr with a time limit of timeout, reached from outside.
func startAuth(t testing.TB, dnsAddr string, timeout time.Duration, spf, dkim, dmarc msgauth.Policy) (*testServer, *testutil.RemoteListener) {
	t.Helper()
	r, err := resolve.New(dnsAddr)
	if err != nil {
		t.Fatal(err)
	}
	c := msgauth.New(msgauth.Options{SPF: spf, DKIM: dkim, DMARC: dmarc, Host: "mx.test",
		SubjectTag: "[SPAM]", DNS: r, Timeout: timeout})
	ln := testutil.ListenRemote(t)
	return startServerOn(t, ln, nil, func(o *Options) { o.Auth = c }), ln
}

// authCell is one cell of a policy table: the transaction, the replies
// expected and what the stored message must show.
type authCell struct {
	name     string
	policy   msgauth.Policy
	helo     string // "" for client.test
	from     string // MAIL FROM
	author   string // From:
	sign     bool
	alter    bool
	mailCode int    // the reply to MAIL; 250 goes on
	dataCode int    // the reply to the final dot
	result   string // in Authentication-Results
	marked   bool
}

// runAuthCell plays one cell through the server and checks the outcome.
func runAuthCell(t *testing.T, ts *testServer, ln *testutil.RemoteListener, tc authCell) {
	t.Helper()
	c, _ := remoteClient(t, ln, authClient)
	helo := tc.helo
	if helo == "" {
		helo = "client.test"
	}
	c.expect("EHLO "+helo, "250")
	if r := c.cmd("MAIL FROM:<" + tc.from + ">"); !strings.HasPrefix(r, fmt.Sprint(tc.mailCode)) {
		t.Fatalf("MAIL: %q, want %d", r, tc.mailCode)
	}
	if tc.mailCode != 250 {
		if ids := ts.committed(t); len(ids) != 0 {
			t.Fatalf("refused at MAIL, yet %d messages kept", len(ids))
		}
		return
	}
	c.expect("RCPT TO:<"+adminUser+">", "250")
	c.expect("DATA", "354")
	c.write(authMessage(t, tc.author, tc.sign, tc.alter) + ".\r\n")
	if r := c.reply(); !strings.HasPrefix(r, fmt.Sprint(tc.dataCode)) {
		t.Fatalf("final dot: %q, want %d", r, tc.dataCode)
	}
	if tc.dataCode != 250 {
		if ids := ts.committed(t); len(ids) != 0 {
			t.Fatalf("refused after DATA, yet %d messages kept", len(ids))
		}
		return
	}
	msg, _ := ts.only(t)
	if log := ts.logs.String(); strings.Contains(log, "cannot write message") {
		t.Fatalf("a write failure logged for a message kept:\n%s", log) // logged before the 250
	}
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	if n := strings.Count(head, "Authentication-Results:"); n != 1 {
		t.Fatalf("%d Authentication-Results fields, want 1:\n%s", n, head)
	}
	if !strings.HasPrefix(head, "Authentication-Results: mx.test;") || !strings.Contains(head, tc.result) {
		t.Fatalf("want Authentication-Results from mx.test with %q:\n%s", tc.result, head)
	}
	flagged := strings.Contains(head, "\r\nX-Spam-Flag: YES\r\n")
	tagged := strings.Contains(head, "\r\nSubject: [SPAM] hello\r\n")
	if flagged != tc.marked || tagged != tc.marked {
		t.Fatalf("X-Spam-Flag %v, subject tagged %v; want marked %v:\n%s", flagged, tagged, tc.marked, head)
	}
}

// TestSPFPolicies is the SPF column of issue 18's policy table: each
// policy against each result, through the server from an outside address.
func TestSPFPolicies(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	var cells []authCell
	add := func(p msgauth.Policy, dom, result string, mailCode int, marked bool) {
		cells = append(cells, authCell{name: p.String() + "/" + result, policy: p, from: "a@" + dom,
			author: "a@" + dom, mailCode: mailCode, dataCode: 250, result: "spf=" + result + " smtp.mailfrom=a@" + dom, marked: marked})
	}
	for _, p := range []msgauth.Policy{msgauth.Accept, msgauth.Mark, msgauth.Refuse} {
		add(p, "pass.test", "pass", 250, false)
		add(p, "none.test", "none", 250, false)
	}
	add(msgauth.Accept, "fail.test", "fail", 250, false)
	add(msgauth.Accept, "soft.test", "softfail", 250, false)
	add(msgauth.Accept, "temp.test", "temperror", 250, false)
	add(msgauth.Mark, "fail.test", "fail", 250, true)
	add(msgauth.Mark, "soft.test", "softfail", 250, true)
	add(msgauth.Mark, "temp.test", "temperror", 250, false)
	add(msgauth.Refuse, "fail.test", "fail", 550, false)
	add(msgauth.Refuse, "soft.test", "softfail", 250, true)
	add(msgauth.Refuse, "temp.test", "temperror", 451, false)
	// The null sender: the HELO identity's result counts (RFC 7208 §2.4).
	cells = append(cells,
		authCell{name: "refuse/null sender, HELO fail", policy: msgauth.Refuse, helo: "fail.test", author: "a@pass.test", mailCode: 550},
		authCell{name: "mark/null sender, HELO softfail", policy: msgauth.Mark, helo: "soft.test", author: "a@pass.test",
			mailCode: 250, dataCode: 250, result: "spf=softfail smtp.helo=soft.test;", marked: true},
		authCell{name: "refuse/null sender, HELO pass", policy: msgauth.Refuse, helo: "pass.test", author: "a@pass.test",
			mailCode: 250, dataCode: 250, result: "spf=pass smtp.helo=pass.test;"})
	for _, tc := range cells {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, ln := startAuth(t, zone.Addr, 5*time.Second, tc.policy, msgauth.Accept, msgauth.Accept)
			runAuthCell(t, ts, ln, tc)
		})
	}
}

// TestDKIMPolicies is the DKIM column: a valid signature, one whose body
// was changed, none, and one whose key cannot be fetched for now.
func TestDKIMPolicies(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	var cells []authCell
	add := func(p msgauth.Policy, author string, sign, alter bool, result string, dataCode int, marked bool) {
		cells = append(cells, authCell{name: p.String() + "/" + result, policy: p, from: "a@pass.test", author: author,
			sign: sign, alter: alter, mailCode: 250, dataCode: dataCode, result: "dkim=" + result, marked: marked})
	}
	for _, p := range []msgauth.Policy{msgauth.Accept, msgauth.Mark, msgauth.Refuse} {
		add(p, "a@dk.test", true, false, "pass header.d=dk.test", 250, false)
		add(p, "a@dk.test", false, false, "none", 250, false)
	}
	add(msgauth.Accept, "a@dk.test", true, true, "fail header.d=dk.test", 250, false)
	add(msgauth.Accept, "a@tk.test", true, false, "temperror header.d=tk.test", 250, false)
	add(msgauth.Mark, "a@dk.test", true, true, "fail header.d=dk.test", 250, true)
	add(msgauth.Mark, "a@tk.test", true, false, "temperror header.d=tk.test", 250, false)
	add(msgauth.Refuse, "a@dk.test", true, true, "fail", 550, false)
	add(msgauth.Refuse, "a@tk.test", true, false, "temperror", 451, false)
	for _, tc := range cells {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, ln := startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, tc.policy, msgauth.Accept)
			runAuthCell(t, ts, ln, tc)
		})
	}
}

// TestDMARCPolicies is the DMARC column, with honour: the domain's
// p=reject refused, p=quarantine marked, p=none accepted.
func TestDMARCPolicies(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	var cells []authCell
	add := func(p msgauth.Policy, from, author string, sign bool, result string, dataCode int, marked bool) {
		cells = append(cells, authCell{name: p.String() + "/" + result + "/" + author, policy: p, from: from, author: author,
			sign: sign, mailCode: 250, dataCode: dataCode, result: "dmarc=" + result, marked: marked})
	}
	for _, p := range []msgauth.Policy{msgauth.Accept, msgauth.Mark, msgauth.Refuse, msgauth.Honour} {
		add(p, "a@dm.test", "a@dm.test", false, "pass header.from=dm.test", 250, false)  // SPF aligned
		add(p, "a@pass.test", "a@ds.test", true, "pass header.from=ds.test", 250, false) // DKIM aligned
		add(p, "a@pass.test", "a@none.test", false, "none header.from=none.test", 250, false)
	}
	add(msgauth.Accept, "a@pass.test", "a@dm.test", false, "fail header.from=dm.test", 250, false)
	add(msgauth.Accept, "a@pass.test", "a@dt.test", false, "temperror header.from=dt.test", 250, false)
	add(msgauth.Mark, "a@pass.test", "a@dm.test", false, "fail header.from=dm.test", 250, true)
	add(msgauth.Mark, "a@pass.test", "a@dt.test", false, "temperror header.from=dt.test", 250, false)
	add(msgauth.Refuse, "a@pass.test", "a@dn.test", false, "fail", 550, false)
	add(msgauth.Refuse, "a@pass.test", "a@dt.test", false, "temperror", 451, false)
	add(msgauth.Honour, "a@pass.test", "a@dm.test", false, "fail", 550, false)
	add(msgauth.Honour, "a@pass.test", "a@dq.test", false, "fail header.from=dq.test", 250, true)
	add(msgauth.Honour, "a@pass.test", "a@dn.test", false, "fail header.from=dn.test", 250, false)
	add(msgauth.Honour, "a@pass.test", "a@dt.test", false, "temperror", 451, false)
	for _, tc := range cells {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, ln := startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, msgauth.Accept, tc.policy)
			runAuthCell(t, ts, ln, tc)
		})
	}
}

// TestAuthDeadResolver: a DNS server that never answers gives temperror
// within the time limit, never a hang: refused for now under refuse,
// recorded under accept.
func TestAuthDeadResolver(t *testing.T) {
	t.Parallel()
	dead, err := net.ListenPacket("udp", "127.0.0.1:0") // never read
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dead.Close() })
	for _, tc := range []authCell{
		{name: "refuse", policy: msgauth.Refuse, from: "a@pass.test", author: "a@pass.test", mailCode: 451},
		{name: "accept", policy: msgauth.Accept, from: "a@pass.test", author: "a@pass.test", mailCode: 250, dataCode: 250,
			result: "spf=temperror smtp.mailfrom=a@pass.test; spf=temperror smtp.helo=client.test; dkim=none; dmarc=temperror header.from=pass.test\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts, ln := startAuth(t, dead.LocalAddr().String(), 300*time.Millisecond, tc.policy, tc.policy, tc.policy)
			runAuthCell(t, ts, ln, tc)
		})
	}
}

// TestAuthResultsForged: an Authentication-Results field that claims our
// host, coming from outside, is removed (RFC 8601 §5); another host's is
// kept; ours is the only one naming mx.test.
func TestAuthResultsForged(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	ts, ln := startAuth(t, zone.Addr, 5*time.Second, msgauth.Accept, msgauth.Accept, msgauth.Accept)
	c, _ := remoteClient(t, ln, authClient)
	c.expect("EHLO client.test", "250")
	data := "Authentication-Results: MX.TEST; spf=pass smtp.mailfrom=boss@dm.test\r\n" +
		"Authentication-Results: mx.test;\r\n dkim=pass header.d=dm.test\r\n" +
		"Authentication-Results: other.example; spf=fail\r\n" +
		"From: <a@fail.test>\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"
	if r := c.send("a@fail.test", []string{adminUser}, data); !strings.HasPrefix(r, "250") {
		t.Fatal(r)
	}
	msg, _ := ts.only(t)
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	if strings.Count(strings.ToLower(head), "authentication-results: mx.test") != 1 || strings.Contains(head, "pass") ||
		!strings.Contains(head, "Authentication-Results: other.example; spf=fail") {
		t.Fatalf("header:\n%s", head)
	}
}

// relayGuard trusts every client, as [RelayIPs] would.
type relayGuard struct{ OpenGuard }

func (relayGuard) MayRelay(Client) bool { return true }

// TestAuthExempt: loopback clients, trusted relays and authenticated
// senders are not checked (nothing refused, no header added); an outside
// client in the same session setup is refused.
func TestAuthExempt(t *testing.T) {
	t.Parallel()
	zone := authZone(t)
	plain := base64.StdEncoding.EncodeToString([]byte("\x00" + adminUser + "\x00" + adminPass))
	for _, tc := range []struct {
		name     string
		loopback bool
		guard    Guard
		auth     bool
		checked  bool
	}{
		{name: "loopback", loopback: true},
		{name: "relay", guard: relayGuard{}},
		{name: "authenticated", auth: true},
		{name: "outside", checked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := resolve.New(zone.Addr)
			if err != nil {
				t.Fatal(err)
			}
			ln := testutil.ListenRemote(t)
			ts := startServerOn(t, ln, nil, func(o *Options) {
				o.Auth = msgauth.New(msgauth.Options{SPF: msgauth.Refuse, DKIM: msgauth.Refuse, DMARC: msgauth.Refuse, Host: "mx.test", DNS: r})
				o.Guard = tc.guard
			})
			var c *client
			if tc.loopback {
				c, _ = dial(t, ts.addr)
			} else {
				c, _ = remoteClient(t, ln, authClient)
			}
			c.expect("EHLO client.test", "250")
			if tc.auth {
				c.expect("AUTH PLAIN "+plain, "235")
			}
			if tc.checked {
				c.expect("MAIL FROM:<a@fail.test>", "550 5.7.23")
				return
			}
			if r := c.send("a@fail.test", []string{adminUser}, "From: <a@dm.test>\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"); !strings.HasPrefix(r, "250") {
				t.Fatal(r)
			}
			msg, _ := ts.only(t)
			if strings.Contains(msg, "Authentication-Results") {
				t.Fatalf("the message was checked:\n%s", msg)
			}
		})
	}
}
