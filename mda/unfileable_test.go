package mda

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/queue"
)

// TestBadRecipientAlone: a recipient that is not an address, or whose
// address cannot name a mailbox folder, is given up on its own (issue 22):
// the other recipients get their copies, it is kept in failed/<id>-2 with a
// 550 5.1.3 result, and the sender gets one failure notice saying so. Before,
// the whole set went to bad/, valid recipients included, with no notice.
func TestBadRecipientAlone(t *testing.T) {
	t.Parallel()
	const head = "mailq-envelope 1\nfrom sender@far.example\n"
	cases := []struct{ name, rcpt, final string }{
		{"without domain", "bob", "bob"},
		{"trailing dot", "bob@test.example.", "bob@test.example."},
		{"unsafe local", "a*b@test.example", "a*b@test.example"},
		{"quoted slash", `"a/b"@test.example`, `"a/b"@test.example`},
		{"quoted space", `"a%20b"@test.example`, `"a b"@test.example`},
		{"quoted dot", `"."@test.example`, `"."@test.example`},
		{"reserved Windows name", "CON.txt@test.example", "con.txt@test.example"},
		{"path in the local part", "unknown/x@test.example", "unknown/x@test.example"},
		{"escape from users", `"../x"@test.example`, `"../x"@test.example`},
		{"line break", "a%0D%0AX-Evil:%20yes@test.example", "a??X-Evil: yes@test.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(func(o *Options) { o.FailureBounce, o.HostName = true, "mx.test.example" })
			id := queue.NewID(time.Now())
			tb.drop(string(id), head+"rcpt alice@test.example\nrcpt "+c.rcpt+"\nrcpt x@far.example\nend\n", testMessage)
			tb.fileAll(a)
			n := dsn.LocalID(id)
			want := expand(id, "users/alice@test.example/{id}.eml", "queue/failed/{id}-2.auth", "queue/failed/{id}-2.eml",
				"queue/external/{id}.auth", "queue/external/{id}.eml",
				"queue/"+string(n)+".auth", "queue/"+string(n)+".eml")
			slices.Sort(want)
			if got := tb.files(); !slices.Equal(got, want) {
				t.Fatalf("tree:\n got %q\nwant %q", got, want)
			}
			env, err := tb.tree.Envelope(queue.Failed, id.Derive(2))
			if err != nil {
				t.Fatal(err)
			}
			if r := env.Recipients; len(r) != 1 || r[0].Status != queue.StatusFailed || !strings.HasPrefix(r[0].Result, "550 5.1.3 ") {
				t.Errorf("failed/ envelope recipients %+v", r)
			}
			msg, err := mail.ReadMessage(strings.NewReader(tb.read("queue/" + string(n) + ".eml")))
			if err != nil {
				t.Fatal(err)
			}
			_, bodies := testutil.ReportParts(t, msg.Header, msg.Body)
			blocks := testutil.FieldBlocks(bodies[1])
			if len(blocks) != 2 || blocks[1].Get("Status") != "5.1.3" || blocks[1].Get("Final-Recipient") != "rfc822; "+c.final {
				t.Errorf("report:\n%s", bodies[1])
			}
			tb.fileAll(a) // the notice, like any message; nothing else changes
			if got := tb.files(); !slices.Contains(got, "queue/failed/"+string(id.Derive(2))+".auth") || slices.Contains(got, "queue/bad") {
				t.Errorf("second pass: %q", got)
			}
		})
	}
}

// TestNoticeWithheldForRemoteAlias: a local recipient given up after an
// alias changed its domain is not named in a failure notice about mail
// from a remote, unauthenticated client (dsn.Withheld, issue 22); with no
// one else to name there is no notice, and the recipient is still kept in
// failed/. A local sender is told, as before.
func TestNoticeWithheldForRemoteAlias(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		origin string
		notice bool
	}{{"remote", false}, {"local", true}} {
		t.Run(c.origin, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(func(o *Options) {
				o.MDA.RefileUnknownUsers, o.FailureBounce, o.HostName = false, true, "mx.test.example"
			})
			id := queue.NewID(time.Now())
			tb.drop(string(id), "mailq-envelope 2\norigin "+c.origin+"\nfrom forged@victim.example\n"+
				"rcpt alice@test.example\nrcpt nobody@other.example orig=ghost@test.example\nend\n", testMessage)
			tb.fileAll(a)
			got := tb.files()
			if !slices.Contains(got, "queue/failed/"+string(id.Derive(2))+".auth") {
				t.Fatalf("the recipient given up is not in failed/: %q", got)
			}
			if has := slices.Contains(got, "queue/"+string(dsn.LocalID(id))+".auth"); has != c.notice {
				t.Fatalf("notice written: %v, want %v; tree %q", has, c.notice, got)
			}
			if !c.notice && !strings.Contains(tb.console.String(), "no failure notice names <nobody@other.example>") {
				t.Errorf("the log does not say why:\n%s", tb.console.String())
			}
		})
	}
}
