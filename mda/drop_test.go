package mda

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/queue"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDroppedSet: a set written by hand in the documented minimum .auth
// format is filed like one the SMTP server committed, and the fields the
// drop program left out are filled in.
func TestDroppedSet(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := string(queue.NewID(time.Now()))
	tb.drop(id, readTestdata(t, "drop/minimal.auth"), readTestdata(t, "drop/message.eml"))
	tb.fileAll(a)
	want := expand(queue.ID(id), "users/alice@test.example/{id}.eml", "users/bob@test.example/{id}.eml",
		"queue/external/{id}.auth", "queue/external/{id}.eml")
	if got := tb.files(); !slices.Equal(got, want) {
		t.Fatalf("tree:\n got %q\nwant %q", got, want)
	}
	copy := tb.read("users/bob@test.example/" + id + ".eml")
	if !strings.HasPrefix(copy, "Return-Path: <sender@far.example>\r\nDelivered-To: bob@test.example\r\nX-GUID: ") {
		t.Fatalf("copy starts:\n%s", copy)
	}
	if !strings.HasSuffix(copy, readTestdata(t, "drop/message.eml")) {
		t.Fatal("message changed")
	}
	env, err := tb.tree.Envelope(queue.External, queue.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	if env.Tracking == "" || env.Received.IsZero() || len(env.Recipients) != 1 || env.Recipients[0].N != 3 {
		t.Fatalf("external envelope %+v", env)
	}
	if !strings.Contains(copy, "X-GUID: "+env.Tracking+"\r\n") {
		t.Fatalf("copy lacks the tracking id %s", env.Tracking)
	}
}

// TestRequeuedSet: a set moved back into the queue (here from failed/, in
// CRLF with a byte-order mark) is delivered again, whatever its recipients'
// old status says.
func TestRequeuedSet(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := string(queue.NewID(time.Now()))
	tb.drop(id, readTestdata(t, "drop/requeued.auth"), readTestdata(t, "drop/message.eml"))
	tb.fileAll(a)
	if got, want := tb.files(), expand(queue.ID(id), "users/alice@test.example/{id}.eml"); !slices.Equal(got, want) {
		t.Fatalf("tree:\n got %q\nwant %q", got, want)
	}
	if copy := tb.read("users/alice@test.example/" + id + ".eml"); !strings.HasPrefix(copy, "Return-Path: <>\r\n") {
		t.Fatalf("copy starts:\n%s", copy)
	}
}

// TestMalformedSets: a set that cannot be filed goes to bad/ with a reason,
// before any copy is written, and is never tried again. A bad recipient
// alone does not make a set malformed (TestBadRecipientAlone).
func TestMalformedSets(t *testing.T) {
	t.Parallel()
	const head = "mailq-envelope 1\nfrom sender@far.example\n"
	cases := []struct {
		name, auth, why string
	}{
		{"torn envelope", head + "rcpt alice@test.example\n", "end"},
		{"unknown field", head + "colour blue\nrcpt alice@test.example\nend\n", "colour"},
		{"newer format", "mailq-envelope 5\nfrom a@b.example\nrcpt alice@test.example\nend\n", "version"},
		{"sender not an address", "mailq-envelope 1\nfrom robot\nrcpt alice@test.example\nend\n", "sender"},
		{"sender with a line break", "mailq-envelope 1\nfrom a%0D%0AX-Evil:%20yes@b.example\nrcpt alice@test.example\nend\n", "sender"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := newTestbed(t)
			a := tb.agent(nil)
			id := string(queue.NewID(time.Now()))
			tb.drop(id, c.auth, testMessage)
			tb.fileAll(a)
			want := []string{"queue/bad/" + id + ".auth", "queue/bad/" + id + ".eml", "queue/bad/" + id + ".why"}
			if got := tb.files(); !slices.Equal(got, want) {
				t.Fatalf("tree:\n got %q\nwant %q", got, want)
			}
			if why := tb.read("queue/bad/" + id + ".why"); !strings.Contains(why, c.why) {
				t.Fatalf(".why does not mention %q:\n%s", c.why, why)
			}
			if log := tb.mdaLog(); !strings.Contains(log, "quarantined") {
				t.Fatalf("MDA log:\n%s", log)
			}
			tb.fileAll(a) // nothing left to try
			if got := tb.files(); len(got) != 3 {
				t.Fatalf("second pass changed the tree: %q", got)
			}
		})
	}
}

// TestUnsafeExternalAddressIsNoFolder: an address that could not name a
// folder is fine at another domain, where it never does.
func TestUnsafeExternalAddressIsNoFolder(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := tb.commit("sender@far.example", []string{`"../x"@far.example`, "a*b@far.example"}, testMessage)
	tb.fileAll(a)
	env, err := tb.tree.Envelope(queue.External, id)
	if err != nil {
		t.Fatalf("%v; tree %q", err, tb.files())
	}
	if len(env.Recipients) != 2 {
		t.Fatalf("external recipients %+v", env.Recipients)
	}
}

// TestUncommittedSetLeftAlone: an .eml without its .auth is a set still
// being written; the agent neither files nor moves it.
func TestUncommittedSetLeftAlone(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	a := tb.agent(nil)
	id := string(queue.NewID(time.Now()))
	if err := os.WriteFile(filepath.Join(tb.paths.Queue, id+".eml"), []byte(testMessage), 0o644); err != nil {
		t.Fatal(err)
	}
	tb.fileAll(a)
	if got, want := tb.files(), []string{"queue/" + id + ".eml"}; !slices.Equal(got, want) {
		t.Fatalf("tree %q, want %q", got, want)
	}
}
