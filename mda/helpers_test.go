package mda

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
	"mailq/route"
)

// The world of the tests: two local domains, three accounts, and aliases
// for every routing case.
var (
	testDomains  = []string{"test.example", "other.example"}
	testAccounts = []string{"alice@test.example", "bob@test.example", "carol@other.example"}
	testAliases  = []config.Alias{
		{From: "sales@test.example", To: "alice@test.example"},
		{From: "team@test.example", To: "sales@test.example"}, // a chain
		{From: "fwd@test.example", To: "someone@far.example"}, // a forward
		{From: "loop1@test.example", To: "loop2@test.example"},
		{From: "loop2@test.example", To: "loop1@test.example"}, // a loop (config refuses it; route must not)
		{From: "abuse", To: "bob@test.example"},                // bare: at every local domain
		{From: "ghost@test.example", To: "nobody@test.example"},
		// Distribution groups: overlapping members (alice directly and
		// through team), a nested group, a forward, and a way back into
		// the outer group (config refuses such a loop; the MDA must end).
		{From: "crew@test.example", To: "alice@test.example", Also: []string{"team@test.example", "pair@test.example"}},
		{From: "pair@test.example", To: "bob@test.example", Also: []string{"x@far.example", "crew@test.example"}},
	}
)

// syncBuffer collects a server's console output from many goroutines.
type syncBuffer = testutil.Buffer

// testbed is a tree in a temporary folder with the test world's routes.
type testbed struct {
	t       testing.TB
	root    string
	paths   config.Paths
	tree    *queue.Tree
	console *syncBuffer
	log     *logs.Logger
	routes  *route.Table
}

func newTestbed(t testing.TB) *testbed {
	t.Helper()
	root := t.TempDir()
	p := config.DefaultPaths(root)
	tree, err := queue.Open(queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry, Sent: p.Sent,
		Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown})
	if err != nil {
		t.Fatal(err)
	}
	console := &syncBuffer{}
	off := false
	log, err := logs.New(logs.Options{Dir: p.Logs, Level: logs.Info, Console: console, Color: &off})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	accounts := map[string]bool{}
	for _, a := range testAccounts {
		accounts[a] = true
	}
	routes := route.New(testDomains, testAliases, func(a string) bool { return accounts[a] })
	return &testbed{t: t, root: root, paths: p, tree: tree, console: console, log: log, routes: routes}
}

// options returns agent options for the testbed; mod changes them.
func (tb *testbed) options() Options {
	return Options{Tree: tb.tree, Routes: tb.routes, Log: tb.log, MDA: config.MDA{Enabled: true, RefileUnknownUsers: true},
		Domain: testDomains[0], ScriptDir: tb.root, Nice: time.Hour}
}

func (tb *testbed) agent(mod func(*Options)) *Agent {
	tb.t.Helper()
	o := tb.options()
	if mod != nil {
		mod(&o)
	}
	a, err := New(o)
	if err != nil {
		tb.t.Fatal(err)
	}
	a.noRecover = true
	return a
}

// commit writes a set into the incoming queue the way the SMTP server does.
func (tb *testbed) commit(from string, rcpts []string, msg string) queue.ID {
	tb.t.Helper()
	d, err := tb.tree.NewDraft(queue.Incoming)
	if err != nil {
		tb.t.Fatal(err)
	}
	if _, err := d.Write([]byte(msg)); err != nil {
		tb.t.Fatal(err)
	}
	env := &queue.Envelope{From: from, Helo: "client.example"}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, queue.Recipient{Addr: r})
	}
	if err := d.Commit(env); err != nil {
		tb.t.Fatal(err)
	}
	return env.ID
}

// drop writes a set by hand, as another program would: the .eml, then the
// .auth under a temporary name, renamed into place.
func (tb *testbed) drop(id, auth, eml string) {
	tb.t.Helper()
	dir := tb.paths.Queue
	if err := os.WriteFile(filepath.Join(dir, id+".eml"), []byte(eml), 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tmp := filepath.Join(dir, "~drop-"+id+".tmp")
	if err := os.WriteFile(tmp, []byte(auth), 0o644); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, id+".auth")); err != nil {
		tb.t.Fatal(err)
	}
}

// fileAll files every set in the incoming queue once, in this goroutine.
func (tb *testbed) fileAll(a *Agent) {
	tb.t.Helper()
	ids, err := tb.tree.List(queue.Incoming)
	if err != nil {
		tb.t.Fatal(err)
	}
	for _, id := range ids {
		if err := a.fileSafely(context.Background(), id); err != nil {
			tb.t.Fatalf("filing %s: %v", id, err)
		}
	}
}

// files lists every file under the tree except logs, relative and with
// forward slashes, sorted.
func (tb *testbed) files() []string {
	tb.t.Helper()
	var out []string
	err := filepath.WalkDir(tb.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == tb.paths.Logs {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(tb.root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// read returns a file of the tree by its relative path.
func (tb *testbed) read(rel string) string {
	tb.t.Helper()
	data, err := os.ReadFile(filepath.Join(tb.root, filepath.FromSlash(rel)))
	if err != nil {
		tb.t.Fatal(err)
	}
	return string(data)
}

// mdaLog returns the rows of today's MDA log.
func (tb *testbed) mdaLog() string {
	tb.t.Helper()
	data, _ := os.ReadFile(filepath.Join(tb.paths.Logs, "mda-"+time.Now().Format("20060102")+".log"))
	return string(data)
}

// expand replaces {id} in each pattern.
func expand(id queue.ID, patterns ...string) []string {
	var out []string
	for _, p := range patterns {
		out = append(out, strings.ReplaceAll(p, "{id}", string(id)))
	}
	slices.Sort(out)
	return out
}

const testMessage = "Return-Path: <forged@evil.example>\r\n" +
	"From: Sender <sender@far.example>\r\n" +
	"Subject: =?UTF-8?Q?caf=C3=A9?= and\r\n more\r\n" +
	"\r\n" +
	"Hello.\r\n" +
	".leading dot stays\r\n"
