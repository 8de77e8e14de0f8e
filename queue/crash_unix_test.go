//go:build unix

package queue

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Crash tests (DURABILITY rule 15): the test binary re-runs itself as a
// child process that commits, moves, splits or delivers messages in a loop
// and kills itself with SIGKILL at a chosen step (or is killed by the
// parent at a random moment). The child reports a message on stdout only
// after the call returned, as the SMTP server answers 250 only then. The
// parent runs Recover and checks the tree.

const childEnv = "MAILQ_QUEUE_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := runChild(mode); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childBody is the message the child writes for its i-th message.
func childBody(i int) string {
	return fmt.Sprintf("Subject: message %d\r\n\r\n%s\r\n", i, strings.Repeat(strconv.Itoa(i), 1000))
}

func runChild(mode string) error {
	tr, err := Open(testDirs(os.Getenv("MAILQ_QUEUE_ROOT")))
	if err != nil {
		return err
	}
	step, at := os.Getenv("MAILQ_QUEUE_STEP"), atoi(os.Getenv("MAILQ_QUEUE_AT"))
	seen := 0
	tr.hook = func(s string) {
		if s == step {
			if seen++; seen == at {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute) // the signal is on its way
			}
		}
	}
	tr.forceCopy = os.Getenv("MAILQ_QUEUE_COPY") == "1"
	if n := atoi(os.Getenv("MAILQ_QUEUE_NARROW")); n > 0 {
		tr.newID = narrowIDs(n)
	}
	n := atoi(os.Getenv("MAILQ_QUEUE_N"))
	switch mode {
	case "commit":
		return childCommit(tr, n)
	case "move":
		return childMove(tr)
	case "split":
		return childSplit(tr)
	case "deliver":
		return childDeliver(tr, n)
	case "file":
		return childFile(tr, n)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// report writes one line to the parent with a single write(2).
func report(format string, args ...any) {
	_, _ = os.Stdout.WriteString(fmt.Sprintf(format, args...) + "\n")
}

func childCommit(tr *Tree, n int) error {
	for i := 0; n == 0 || i < n; i++ {
		d, err := tr.NewDraft(Incoming)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(d, childBody(i)); err != nil {
			return err
		}
		env := testEnvelope()
		env.Helo = strconv.Itoa(i)
		if err := d.Commit(env); err != nil {
			return err
		}
		report("%s %d", d.ID(), i)
	}
	return nil
}

func childMove(tr *Tree) error {
	ids, err := tr.List(Incoming)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tr.Move(id, Incoming, External); err != nil {
			return err
		}
		report("%s", id)
	}
	return nil
}

// childSplit makes a per-recipient retry copy of each set in External,
// then removes the original (DURABILITY rule 9), as the MXA does.
func childSplit(tr *Tree) error {
	ids, err := tr.List(External)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := split(tr, id); err != nil {
			return err
		}
		report("%s", id)
	}
	return nil
}

func split(tr *Tree, id ID) error {
	env, err := tr.Envelope(External, id)
	if err != nil {
		return err
	}
	for _, r := range env.Recipients {
		cp := env.Clone()
		cp.ID, cp.Recipients = id.Derive(r.N), []Recipient{r}
		f, err := tr.Open(External, id)
		if err != nil {
			return err
		}
		err = tr.WriteSet(Retry, cp, f)
		f.Close()
		if err != nil && !errors.Is(err, ErrExists) {
			return err
		}
	}
	return tr.Remove(External, id)
}

func childDeliver(tr *Tree, n int) error {
	for i := range n {
		id := ID(fmt.Sprintf("20131007170606%08d", i))
		done, err := tr.Deliver("a@localhost.com", false, id, []byte("X-Seq: "+strconv.Itoa(i)+"\r\n"), strings.NewReader(childBody(i)))
		if err != nil {
			return err
		}
		if done {
			report("%s", id)
		}
	}
	return nil
}

// directBox is the mailbox the "file" child files into directly.
const directBox = "a@localhost.com"

// childFile files n messages (0: until killed) straight into directBox, as
// the SMTP server's direct filing does, and reports each committed one as
// "id i" (the 250 it would answer).
func childFile(tr *Tree, n int) error {
	for i := 0; n == 0 || i < n; i++ {
		d, err := tr.NewMailboxDraft(directBox)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(d, childBody(i)); err != nil {
			return err
		}
		if err := d.Commit(testEnvelope()); err != nil {
			return err
		}
		report("%s %d", d.ID(), i)
	}
	return nil
}

// child starts the test binary in mode on the tree at root.
func child(t *testing.T, root, mode string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "MAILQ_QUEUE_ROOT="+root)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// killed checks that cmd ended by SIGKILL.
func killed(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child ended with %v; want SIGKILL", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v; want SIGKILL", err)
	}
}

// recoverTree runs Recover as a restarted server would and checks that no
// temporary file and nothing outside the tree remains.
func recoverTree(t *testing.T, root string) *Tree {
	t.Helper()
	tr, err := Open(testDirs(root))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Recover(0); err != nil {
		t.Fatal(err)
	}
	if again, err := tr.Recover(0); len(again) != 0 || err != nil {
		t.Errorf("second Recover = %+v, %v", again, err)
	}
	if tmp := temps(t, root); len(tmp) != 0 {
		t.Errorf("temporary files after Recover: %v", tmp)
	}
	if top := names(t, filepath.Dir(root)); len(top) != 1 {
		t.Errorf("files outside the tree: %v", top)
	}
	return tr
}

// committedOnce checks that id is committed in exactly one queue folder
// and returns it.
func committedOnce(t *testing.T, tr *Tree, id ID) Folder {
	t.Helper()
	where := Folder(-1)
	for f := range numFolders {
		ids, err := tr.List(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ids {
			if x != id {
				continue
			}
			if where >= 0 {
				t.Errorf("%s committed in %s and %s", id, where, f)
			}
			where = f
		}
	}
	if where < 0 {
		t.Errorf("%s is not committed anywhere", id)
	}
	return where
}
