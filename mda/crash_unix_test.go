//go:build unix

package mda

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailq/config"
	"mailq/dsn"
	"mailq/internal/testutil"
	"mailq/logs"
	"mailq/queue"
	"mailq/route"
)

// Crash replay (DURABILITY rule 15): the test binary runs itself as a child
// that files the queue and kills itself with SIGKILL at a chosen step of
// the agent; the parent then recovers the tree as main does at start, runs
// the agent again, and checks that every copy is present exactly once and
// nothing else is left.

const (
	crashChildEnv = "MAILQ_MDA_CHILD"     // the tree's root
	crashUsersEnv = "MAILQ_MDA_USERS"     // UserPath, if not under the root
	crashStepEnv  = "MAILQ_MDA_STEP"      // the step to die at
	crashAtEnv    = "MAILQ_MDA_AT"        // at its n-th occurrence
	crashRefile   = "MAILQ_MDA_NO_REFILE" // "1": RefileUnknownUsers=False
)

func TestMain(m *testing.M) {
	if root := os.Getenv(crashChildEnv); root != "" {
		if err := crashChild(root); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashDirs is the tree of a crash test; users may be on another file
// system.
func crashDirs(root, users string) queue.Dirs {
	p := config.DefaultPaths(root)
	if users != "" {
		p.Users, p.Unknown = users, filepath.Join(users, "unknown")
	}
	return queue.Dirs{Incoming: p.Queue, External: p.External, Retry: p.Retry, Sent: p.Sent,
		Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown}
}

// crashAgent builds the agent both the child and the parent run, with
// failure notices on.
func crashAgent(tree *queue.Tree, refile bool) (*Agent, error) {
	accounts := map[string]bool{}
	for _, a := range testAccounts {
		accounts[a] = true
	}
	return New(Options{Tree: tree, Log: logs.Discard(), MDA: config.MDA{RefileUnknownUsers: refile}, Domain: testDomains[0],
		FailureBounce: true, HostName: "mx.test.example",
		Routes: route.New(testDomains, testAliases, func(a string) bool { return accounts[a] })})
}

func crashChild(root string) error {
	tree, err := queue.Open(crashDirs(root, os.Getenv(crashUsersEnv)))
	if err != nil {
		return err
	}
	a, err := crashAgent(tree, os.Getenv(crashRefile) != "1")
	if err != nil {
		return err
	}
	step := os.Getenv(crashStepEnv)
	if step == "" {
		return crashChildRun(tree, a)
	}
	at, _ := strconv.Atoi(os.Getenv(crashAtEnv))
	seen := 0
	a.step = func(name string, _ queue.ID) {
		if name == step {
			if seen++; seen == at {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute) // the signal is on its way
			}
		}
	}
	ids, err := tree.List(queue.Incoming)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.file(context.Background(), id); err != nil {
			return err
		}
	}
	return nil
}

// crashChildRun runs the agent with its workers until the queue is empty,
// to be killed by the parent at a random moment.
func crashChildRun(tree *queue.Tree, a *Agent) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a.nice = 10 * time.Millisecond
	a.filed = func(queue.ID, error) {
		if ids, _ := tree.List(queue.Incoming); len(ids) == 0 {
			cancel()
		}
	}
	fmt.Println("ready") // the parent's clock starts now
	return a.Run(ctx)
}

// crashRecipients exercise every step: two mailboxes, the unknown folder
// (postmaster), a recipient given up (with refiling off) with its failure
// notice, the external set, and a distribution group whose members all
// overlap the others (so the tree after the run is the same: one copy each).
var crashRecipients = []string{"alice@test.example", "postmaster@test.example", "nobody@test.example",
	"x@far.example", "sales@test.example", "bob@test.example", "y@far.example", "crew@test.example"}

// crashRefiled are crashRecipients for a run with RefileUnknownUsers on:
// the recipient given up is one that cannot name a folder (issue 22), so
// the tree after the run is the same.
var crashRefiled = slices.Concat(crashRecipients[:2], []string{`"a/b"@test.example`}, crashRecipients[3:])

func TestCrashReplay(t *testing.T) {
	t.Parallel()
	points := []struct {
		step string
		at   int
	}{
		{"expanded", 1},                                // after the group's members replaced it
		{"deliver", 1}, {"deliver", 2}, {"deliver", 3}, // between copies
		{"fail", 1},     // after the set given up
		{"external", 1}, // after the external set
		{"bounced", 1},  // after the failure notice
		{"remove", 1},   // before removing the source
		{"removed", 1},  // after it
		{"expanded", 2}, // in the second message
		{"deliver", 4},
		{"external", 2},
		{"bounced", 2},
	}
	shm := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		shm = "/dev/shm"
	}
	for _, refile := range []bool{false, true} {
		for _, cross := range []bool{false, true} {
			for _, p := range points {
				name := fmt.Sprintf("%s-%d", p.step, p.at)
				if cross {
					name += "-cross-device"
				}
				if refile {
					name += "-refile-unfileable"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					users := ""
					if cross {
						if shm == "" {
							testutil.Unavailable(t, "no /dev/shm for a second file system")
						}
						users = mkdirTemp(t, shm)
					}
					crashCase(t, p.step, p.at, users, refile)
				})
			}
		}
	}
}

func mkdirTemp(t *testing.T, parent string) string {
	t.Helper()
	dir, err := os.MkdirTemp(parent, "mailq-mda-")
	if err != nil {
		testutil.Unavailable(t, "cannot use %s: %v", parent, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestCrashAtRandom kills an agent filing many sets with its workers at a
// random moment (DURABILITY rule 15).
func TestCrashAtRandom(t *testing.T) {
	t.Parallel()
	for i, delay := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			tree, err := queue.Open(crashDirs(root, ""))
			if err != nil {
				t.Fatal(err)
			}
			ids := crashQueue(t, tree, 30, crashRecipients)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+root, crashRefile+"=1")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
				t.Fatalf("child: %v", err)
			}
			// Times the kill inside the refiling: it asserts nothing.
			time.Sleep(delay + time.Duration(rand.Int64N(int64(20*time.Millisecond))))
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Logf("killed with %d of %d sets left, %d copies written", len(mustList(t, tree)), len(ids), len(walk(t, filepath.Join(root, "users"), "")))
			repairs := replay(t, tree, false)
			dropUncommitted(t, root, repairs)
			checkCrashTree(t, root, "", ids)
		})
	}
}

// crashQueue commits n messages to rcpts.
func crashQueue(t *testing.T, tree *queue.Tree, n int, rcpts []string) []queue.ID {
	t.Helper()
	var ids []queue.ID
	for i := range n {
		d, err := tree.NewDraft(queue.Incoming)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(d, "Subject: crash %d\r\n\r\n%s\r\n", i, strings.Repeat("body ", 2000))
		env := &queue.Envelope{From: "sender@far.example"}
		for _, r := range rcpts {
			rc := queue.Recipient{Addr: r}
			if r == "bob@test.example" {
				rc.Notify = queue.NotifySuccess | queue.NotifyFailure // a success notice too, in the same notice
			}
			env.Recipients = append(env.Recipients, rc)
		}
		if err := d.Commit(env); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, env.ID)
	}
	return ids
}

func crashCase(t *testing.T, step string, at int, users string, refile bool) {
	root := t.TempDir()
	tree, err := queue.Open(crashDirs(root, users))
	if err != nil {
		t.Fatal(err)
	}
	rcpts, noRefile := crashRecipients, "1"
	if refile {
		rcpts, noRefile = crashRefiled, "0"
	}
	ids := crashQueue(t, tree, 2, rcpts)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+root, crashUsersEnv+"="+users,
		crashStepEnv+"="+step, crashAtEnv+"="+strconv.Itoa(at), crashRefile+"="+noRefile)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die at %s #%d: %v\n%s", step, at, err, out)
	}
	replay(t, tree, refile)
	checkCrashTree(t, root, users, ids)
}

// replay does what the next start does: Recover, then file the queue once,
// leaving failure notices whose source is still there (as the dispatcher
// does: held). It returns Recover's repairs.
func replay(t *testing.T, tree *queue.Tree, refile bool) []queue.Repair {
	t.Helper()
	repairs, err := tree.Recover(0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := crashAgent(tree, refile)
	if err != nil {
		t.Fatal(err)
	}
	a.noRecover = true
	ids := mustList(t, tree)
	hold := held(ids)
	for _, id := range ids {
		if hold[id] {
			continue
		}
		if err := a.file(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	return repairs
}

// dropUncommitted removes from bad/ the messages Recover quarantined for
// want of their envelope: a kill between the two renames of a WriteSet (a
// set given up, a failure notice) leaves an .eml that was never committed,
// which Recover moves aside (queue's rule for an .eml without .auth) and
// the replay writes again. Never acknowledged, it is no copy; the tree
// check then finds the committed set exactly once.
func dropUncommitted(t *testing.T, root string, repairs []queue.Repair) {
	t.Helper()
	for _, r := range repairs {
		if r.Action != queue.Quarantined || filepath.Ext(r.Path) != ".eml" ||
			!strings.HasPrefix(r.Reason, "message without envelope") {
			continue
		}
		t.Logf("uncommitted leftover quarantined: %s", r.Path)
		base := strings.TrimSuffix(filepath.Base(r.Path), ".eml")
		for _, ext := range []string{".eml", ".why"} {
			if err := os.Remove(filepath.Join(config.DefaultPaths(root).Bad, base+ext)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func mustList(t *testing.T, tree *queue.Tree) []queue.ID {
	t.Helper()
	ids, err := tree.List(queue.Incoming)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkCrashTree checks that the tree holds exactly the copies of a run
// without a crash, each written once, and one notice per message (bob's
// NOTIFY=SUCCESS and the recipient given up, both in it):
// in the queue, or in the external queue once filed (its sender is
// external), never both.
func checkCrashTree(t *testing.T, root, users string, ids []queue.ID) {
	t.Helper()
	if users == "" {
		users = filepath.Join(root, "users")
	}
	got := append(walk(t, users, "U/"), walk(t, root, "R/")...)
	slices.Sort(got)
	got = slices.Compact(got)
	var want []string
	for _, id := range ids {
		s, n := string(id), string(dsn.LocalID(id))
		notice := "R/queue/external/" + n
		if slices.Contains(got, "R/queue/"+n+".auth") {
			notice = "R/queue/" + n // not filed yet
		}
		want = append(want, notice+".auth", notice+".eml",
			"U/alice@test.example/"+s+".eml", "U/bob@test.example/"+s+".eml",
			"U/unknown/postmaster@test.example/"+s+".eml",
			"R/queue/failed/"+string(id.Derive(3))+".auth", "R/queue/failed/"+string(id.Derive(3))+".eml",
			"R/queue/external/"+s+".auth", "R/queue/external/"+s+".eml")
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("tree after replay:\n got %q\nwant %q", got, want)
	}
	for _, id := range ids {
		n := string(dsn.LocalID(id))
		notice, err := os.ReadFile(filepath.Join(root, "queue", n+".eml"))
		if os.IsNotExist(err) {
			notice, err = os.ReadFile(filepath.Join(root, "queue", "external", n+".eml"))
		}
		if err != nil {
			t.Fatal(err)
		}
		if d, f := strings.Count(string(notice), "Action: delivered"), strings.Count(string(notice), "Action: failed"); d != 1 || f != 1 {
			t.Fatalf("notice %s names %d delivered and %d failed recipients, want 1 and 1", n, d, f)
		}
		data, err := os.ReadFile(filepath.Join(users, "alice@test.example", string(id)+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), "Delivered-To:"); n != 1 {
			t.Fatalf("alice's copy has %d Delivered-To fields", n)
		}
	}
}

// walk lists the files under dir with prefix, skipping the users folder
// when it is inside the root (it is walked on its own).
func walk(t *testing.T, dir, prefix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && prefix == "R/" && rel == "users" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			out = append(out, prefix+filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
