package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mailq/internal/testutil"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is the mailq binary built once for the tests that run real
// processes (lifecycle, crash and end-to-end tests).
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mailq-test-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "mailq")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	if raceBuild && os.Getenv("MAILQ_TEST_NORACE") == "" {
		build = exec.Command("go", "build", "-race", "-o", binary, ".")
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building mailq:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testINI is a configuration for instances under test: loopback, any free
// port, short timeouts.
const testINI = `[Config]
Bind=127.0.0.1
HostName=mx.test
HostDomain=test.example
SMTPPort=0
POPPort=0
Timeout=5
LogLevel=2
[Domains]
Domain1=test.example
[MDA]
Enabled=False
`

// newTree makes a folder with mailq.ini (extra lines appended to testINI's
// sections are given as a full replacement when ini is not "").
func newTree(t *testing.T, ini string) string {
	t.Helper()
	dir := t.TempDir()
	if ini == "" {
		ini = testINI
	}
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// instance is a running mailq process.
type instance struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // the address it listens on

	mu     sync.Mutex
	output strings.Builder
	done   chan struct{}
	err    error
}

var listeningRE = regexp.MustCompile(`listening on (\S+:\d+)`)

// start runs mailq in dir with args and waits until it listens. Its stdin is
// empty (as from a script or service manager), which must not stop it.
func start(t *testing.T, dir string, args ...string) *instance {
	t.Helper()
	in := startNoWait(t, dir, args...)
	in.waitListening(args)
	return in
}

func (in *instance) waitListening(args []string) {
	t := in.t
	t.Helper()
	testutil.EventuallyShow(t, fmt.Sprintf("mailq %v to listen", args), func() bool {
		in.mu.Lock()
		m := listeningRE.FindStringSubmatch(in.output.String())
		in.mu.Unlock()
		if m != nil {
			in.addr = m[1]
			return true
		}
		in.exited(fmt.Sprintf("mailq %v exited (%%v) before listening", args))
		return false
	}, in.out)
}

// exited fails the test with what (and the process's error for its %v)
// when the instance has ended: a condition it no longer can make true.
func (in *instance) exited(what string) {
	in.t.Helper()
	select {
	case <-in.done:
		in.t.Fatalf(what+":\n%s", in.err, in.out())
	default:
	}
}

// waitOutput waits until the instance has printed want.
func (in *instance) waitOutput(want string) {
	t := in.t
	t.Helper()
	testutil.EventuallyShow(t, fmt.Sprintf("mailq to print %q", want), func() bool {
		in.mu.Lock()
		ok := strings.Contains(in.output.String(), want)
		in.mu.Unlock()
		if !ok {
			in.exited(fmt.Sprintf("mailq exited (%%v) before printing %q", want))
		}
		return ok
	}, in.out)
}

func startNoWait(t *testing.T, dir string, args ...string) *instance {
	t.Helper()
	return startExeNoWait(t, binary, dir, args...)
}

// startExe is start with another copy of the program.
func startExe(t *testing.T, exe, dir string, args ...string) *instance {
	t.Helper()
	in := startExeNoWait(t, exe, dir, args...)
	in.waitListening(args)
	return in
}

// startNoWaitStdin starts mailq in dir with stdin connected to f (a terminal
// in the ESC test).
func startNoWaitStdin(t *testing.T, dir string, f *os.File, args ...string) *instance {
	t.Helper()
	return startCmd(t, exec.Command(binary, args...), dir, f, args)
}

func startExeNoWait(t *testing.T, exe, dir string, args ...string) *instance {
	t.Helper()
	return startCmd(t, exec.Command(exe, args...), dir, nil, args)
}

func startCmd(t *testing.T, cmd *exec.Cmd, dir string, stdin *os.File, args []string) *instance {
	t.Helper()
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Dir = dir
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	in := &instance{t: t, cmd: cmd, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			in.mu.Lock()
			in.output.WriteString(s.Text() + "\n")
			in.mu.Unlock()
		}
	}()
	go func() {
		in.err = cmd.Wait()
		pw.Close()
		close(in.done)
	}()
	t.Cleanup(func() {
		select {
		case <-in.done:
		default:
			cmd.Process.Kill()
			<-in.done
		}
		if t.Failed() {
			t.Logf("output of mailq %v:\n%s", args, in.out())
		}
	})
	return in
}

func (in *instance) out() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.output.String()
}

// wait waits for the process to exit and returns its exit code.
func (in *instance) wait(d time.Duration) int {
	in.t.Helper()
	select {
	case <-in.done:
	case <-time.After(d):
		in.t.Fatalf("mailq did not exit within %v:\n%s", d, in.out())
	}
	if in.cmd.ProcessState == nil {
		return -1
	}
	return in.cmd.ProcessState.ExitCode()
}

// mailq runs a mailq command to completion in dir and returns its exit code
// and combined output.
func mailq(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	return runExe(t, binary, dir, args...)
}

// runExe is mailq with another copy of the program (a tool's name).
func runExe(t *testing.T, exe, dir string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("mailq %v timed out:\n%s", args, out)
	}
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("mailq %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// greeting connects to addr and returns the server's first line.
func greeting(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("reading greeting: %v", err)
	}
	return strings.TrimRight(line, "\r\n")
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names
}
