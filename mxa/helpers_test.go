package mxa

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
)

// shortTimeouts keep the tests of hanging servers short.
var shortTimeouts = Timeouts{Connect: 2 * time.Second, Greeting: 2 * time.Second, Command: 2 * time.Second,
	DataInit: 2 * time.Second, Block: 2 * time.Second, DataEnd: 2 * time.Second,
	Lookup: 2 * time.Second, Session: 20 * time.Second}

// fixture is an agent on a fresh tree, for calling its jobs directly.
type fixture struct {
	t    testing.TB
	dir  string
	tree *queue.Tree
	a    *Agent
	out  *syncBuffer
}

// syncBuffer collects a server's console output from many goroutines.
type syncBuffer = testutil.Buffer

func testDirs(dir string) queue.Dirs {
	p := config.DefaultPaths(dir)
	return queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry, Sent: p.Sent,
		Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown}
}

// newFixture makes a tree in a temporary folder and an agent that sends
// everything to gw (MX=Gateway) unless mod changes the options.
func newFixture(t testing.TB, gw *peer, mod func(*Options)) *fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir(), gw, mod)
}

func newFixtureIn(t testing.TB, dir string, gw *peer, mod func(*Options)) *fixture {
	t.Helper()
	tree, err := queue.Open(testDirs(dir))
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	no := false
	log, err := logs.New(logs.Options{Dir: filepath.Join(dir, "logs"), Level: logs.Debug, Console: out, Color: &no})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	opt := Options{
		Tree: tree, Log: log, MXA: config.Default().MXA, HostName: "mx.test",
		LocalDomain: func(d string) bool { return d == "local.test" },
		Timeouts:    shortTimeouts,
	}
	opt.MXA.FailureBounce = true
	if gw != nil {
		opt.MXA.MX = config.MXGateway
		opt.MXA.Gateway = gw.Addr.String()
	}
	if mod != nil {
		mod(&opt)
	}
	a, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	a.noRecover = true
	return &fixture{t: t, dir: dir, tree: tree, a: a, out: out}
}

// testMessage is the body of the i-th test message.
func testMessage(i int) string {
	return fmt.Sprintf("From: sender@origin.test\r\nTo: someone@example.org\r\nSubject: test %d\r\nMessage-ID: <%d@origin.test>\r\n\r\nHello %d.\r\n.leading dot\r\n", i, i, i)
}

var putCount atomic.Int64

// put writes a set from sender to rcpts into folder and returns its id.
func (f *fixture) put(folder queue.Folder, from string, rcpts ...string) queue.ID {
	f.t.Helper()
	n := int(putCount.Add(1))
	env := &queue.Envelope{ID: queue.NewID(time.Now()), From: from, ClientIP: netip.MustParseAddr("192.0.2.9")}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, queue.Recipient{Addr: r})
	}
	if err := f.tree.WriteSet(folder, env, strings.NewReader(testMessage(n))); err != nil {
		f.t.Fatal(err)
	}
	return env.ID
}

// run runs one job on set id in folder.
func (f *fixture) run(folder queue.Folder, id queue.ID) result {
	f.t.Helper()
	ctx := context.Background()
	return f.a.run(ctx, ctx, folder, id)
}

func (f *fixture) env(folder queue.Folder, id queue.ID) *queue.Envelope {
	f.t.Helper()
	env, err := f.tree.Envelope(folder, id)
	if err != nil {
		f.t.Fatalf("envelope %s in %s: %v", id, folder, err)
	}
	return env
}

func (f *fixture) list(folder queue.Folder) []queue.ID {
	f.t.Helper()
	ids, err := f.tree.List(folder)
	if err != nil {
		f.t.Fatal(err)
	}
	return ids
}

// body returns the .eml of set id in folder.
func (f *fixture) body(folder queue.Folder, id queue.ID) string {
	f.t.Helper()
	r, err := f.tree.Open(folder, id)
	if err != nil {
		f.t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		f.t.Fatal(err)
	}
	return string(b)
}

// logFile returns the content of today's mxa log.
func (f *fixture) logFile() string {
	b, _ := os.ReadFile(filepath.Join(f.dir, "logs", "mxa-"+time.Now().Format("20060102")+".log"))
	return string(b)
}

// statuses renders the recipients of env as "addr=status" words.
func statuses(env *queue.Envelope) string {
	var w []string
	for _, r := range env.Recipients {
		w = append(w, r.Addr+"="+r.Status.String())
	}
	return strings.Join(w, " ")
}

// start runs the agent's Run in the background and returns a function that
// waits until cond holds (testutil.Eventually, with the console on failure).
func (f *fixture) start() (wait func(what string, cond func() bool)) {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.Run(ctx) }()
	f.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Errorf("Run: %v", err)
		}
	})
	return func(what string, cond func() bool) {
		f.t.Helper()
		testutil.EventuallyShow(f.t, what, cond, f.out.String)
	}
}

// fixedLookup resolves every configured host name to ip.
func fixedLookup(ip netip.Addr) func(context.Context, string) ([]netip.Addr, error) {
	return func(context.Context, string) ([]netip.Addr, error) { return []netip.Addr{ip}, nil }
}

// logged reports whether a line of the console output out names set id and
// says text.
func logged(out, id, text string) bool {
	for l := range strings.Lines(out) {
		if strings.Contains(l, id) && strings.Contains(l, text) {
			return true
		}
	}
	return false
}
