package lockfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// helperEnv makes the test binary act as a lock-holding helper process:
// "hold:<path>" acquires the lock, prints "locked <pid>" and keeps it until
// stdin closes; "try:<path>" attempts once and prints the outcome.
const helperEnv = "MAILQ_LOCKFILE_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

func runHelper(mode string) int {
	verb, path, _ := strings.Cut(mode, ":")
	l, err := Acquire(path)
	if verb == "try" {
		var held *HeldError
		switch {
		case errors.As(err, &held):
			fmt.Printf("held %d\n", held.PID)
		case err != nil:
			fmt.Printf("error %v\n", err)
		default:
			fmt.Println("acquired")
			_ = l.Release()
		}
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("locked %d\n", l.Owner.PID)
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startHolder starts the test binary as a helper process holding the lock at
// path and returns it once it holds the lock.
func startHolder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = childEnv(helperEnv + "=hold:" + path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var pid int
	if _, serr := fmt.Sscanf(line, "locked %d", &pid); err != nil || serr != nil {
		t.Fatalf("helper said %q, %v", line, err)
	}
	return cmd, stdin, pid
}

func tryInOtherProcess(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = childEnv(helperEnv + "=try:" + path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("try helper: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestCrossProcess(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	cmd, _, pid := startHolder(t, path)
	if pid != cmd.Process.Pid {
		t.Fatalf("helper pid %d, process %d", pid, cmd.Process.Pid)
	}
	if got, want := tryInOtherProcess(t, path), fmt.Sprintf("held %d", pid); got != want {
		t.Fatalf("another process: %q, want %q", got, want)
	}
	_, err := Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != pid {
		t.Fatalf("Acquire while helper runs: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no clean-up
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l := mustAcquire(t, path)
	defer l.Release()
	if l.TookOver == nil || l.TookOver.Owner.PID != pid {
		t.Fatalf("TookOver = %+v, want the killed helper %d", l.TookOver, pid)
	}
}

func TestCrossProcessCleanRelease(t *testing.T) {
	t.Parallel()
	path := lockPath(t)
	cmd, stdin, _ := startHolder(t, path)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("lock file left after clean exit: %v", err)
	}
}
