//go:build linux

package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailq/internal/testutil"
)

// End-to-end test of mailq.exe, the Windows build, run under Wine: the
// account commands, both instances at once from one folder, local delivery,
// relaying to a Linux sink, POP3 with DELE, /stop, and a stale lock after a
// hard kill. tools/wine/prefix makes the Wine prefix (with the test-only
// bcryptprimitives.dll that Go 1.26 needs there); wine and MinGW missing make
// the test skip, or fail under MAILQ_REQUIRE_CLIENTS=1.

// wineEnv is a private Wine prefix and a mailq.exe to run in it.
type wineEnv struct {
	t    *testing.T
	wine string   // the wine command
	env  []string // the environment for Windows programs
	exe  string   // mailq.exe, Linux path
}

// winePrefix is made once per test run, by the first newWine.
var winePrefix struct {
	once sync.Once
	out  []byte
	err  error
}

// newWine makes a private Wine prefix (once per run) and builds mailq.exe
// into dir.
func newWine(t *testing.T, dir string) *wineEnv {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("mailq.exe under Wine is tested on amd64 only")
	}
	w := &wineEnv{t: t, wine: testutil.Program(t, "wine")}
	testutil.Program(t, "x86_64-w64-mingw32-gcc")
	prefix := filepath.Join(filepath.Dir(binary), "wine") // removed by TestMain
	w.env = append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// wineboot is slow: one prefix serves every test of the run.
	winePrefix.once.Do(func() {
		mk := exec.CommandContext(ctx, "tools/wine/prefix", prefix)
		mk.Env = w.env
		winePrefix.out, winePrefix.err = mk.CombinedOutput()
	})
	if winePrefix.err != nil {
		t.Fatalf("making the Wine prefix: %v\n%s", winePrefix.err, winePrefix.out)
	}
	// Each test ends every program left in the prefix, and its server.
	t.Cleanup(func() {
		kill := exec.Command("tools/wine/server", "-k")
		kill.Env = w.env
		_ = kill.Run()
	})
	w.exe = filepath.Join(dir, "mailq.exe")
	build := exec.CommandContext(ctx, "go", "build", "-o", w.exe, ".")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building mailq.exe: %v\n%s", err, out)
	}
	return w
}

// command returns mailq.exe with args as a command run through Wine in dir.
func (w *wineEnv) command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.wine, append([]string{w.exe}, args...)...)
	cmd.Dir = dir
	cmd.Env = w.env
	return cmd
}

// run runs mailq.exe to completion in dir; it returns the exit code and the
// output.
func (w *wineEnv) run(dir string, args ...string) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := w.command(ctx, dir, args...)
	cmd.Env = append(cmd.Env, "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		w.t.Fatalf("mailq.exe %v timed out:\n%s", args, out)
	}
	if err != nil && cmd.ProcessState == nil {
		w.t.Fatalf("mailq.exe %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// must runs mailq.exe and fails unless it exits 0 and prints want.
func (w *wineEnv) must(dir, want string, args ...string) {
	w.t.Helper()
	if code, out := w.run(dir, args...); code != 0 || !strings.Contains(out, want) {
		w.t.Fatalf("mailq.exe %v: exit %d, want 0 and %q in:\n%s", args, code, want, out)
	}
}

// start runs mailq.exe in dir as a server and waits until it listens.
func (w *wineEnv) start(dir string, args ...string) *instance {
	w.t.Helper()
	in := startCmd(w.t, w.command(context.Background(), dir, args...), dir, nil, args)
	in.waitListening(args)
	return in
}

// wineINI is a mailq.ini as a Windows user writes it: CRLF line ends,
// Windows-style relative paths, ports chosen by the system.
func wineINI(gateway string) string {
	ini := `[Config]
Bind=127.0.0.1
HostName=mx.test
HostDomain=test.example
SMTPPort=0
POPPort=0
Timeout=5
LogLevel=2
QueuePath=".\queue"
LogPath=".\logs"
[Domains]
Domain1=test.example
[MDA]
Enabled=False
UserPath=".\users"
[MXA]
Enabled=False
MX=Gateway
Gateway=` + gateway + `
[Pop-Locked]
carol@test.example=True
`
	return strings.ReplaceAll(ini, "\n", "\r\n")
}

func TestWindowsEndToEnd(t *testing.T) {
	// Not parallel: Wine is slow to start, and one prefix serves every step.
	sink, dump := mxaSink(t)
	// A path with spaces, as under "C:\Users\Jane Doe\Desktop\mail server".
	dir := filepath.Join(t.TempDir(), "mail server")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWine(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(wineINI(sink)), 0o644); err != nil {
		t.Fatal(err)
	}
	wineAccounts(t, w, dir)

	pop := w.start(dir, "/pop")
	smtp := w.start(dir, "/mda", "/mxa")
	for _, f := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("lock file %s: %v", f, err)
		}
	}
	// A second SMTP instance from the same folder is refused: the lock
	// file's owner is probed as a live Windows process.
	if code, out := w.run(dir, "/port:0"); code != exitFailed || !strings.Contains(out, "not started: the SMTP instance") {
		t.Fatalf("second SMTP instance: exit %d:\n%s", code, out)
	}

	// Local delivery (the mailbox folders are named by addresses that look
	// like device names) and relaying through the gateway to the sink.
	mxaSubmit(t, smtp.addr, "alice@test.example,con@test.example,bob@far.example", "through wine")
	waitGlob(t, filepath.Join(dir, "users", "alice@test.example", "*.eml"), 1, smtp)
	waitGlob(t, filepath.Join(dir, "users", "con@test.example", "*.eml"), 1, smtp)
	waitGlob(t, filepath.Join(dir, "queue", "sent", "*.auth"), 1, smtp)
	dumped := waitGlob(t, filepath.Join(dump, "*"), 1, smtp)
	if data, _ := os.ReadFile(dumped[0]); !strings.Contains(string(data), "X-Rcpt-Args: <bob@far.example>") ||
		!strings.Contains(string(data), "Subject: through wine") {
		t.Errorf("the sink's copy:\n%s", data)
	}

	wineReadAndDelete(t, pop.addr, "alice@test.example", "secret", "through wine")
	if m, _ := filepath.Glob(filepath.Join(dir, "users", "alice@test.example", "*.eml")); len(m) != 0 {
		t.Errorf("DELE and QUIT left %v", m)
	}

	// /stop removes both lock files and waits for both processes to exit.
	w.must(dir, "stopping the SMTP instance", "/stop")
	if code := smtp.wait(30 * time.Second); code != 0 {
		t.Errorf("SMTP instance exit code %d:\n%s", code, smtp.out())
	}
	if code := pop.wait(30 * time.Second); code != 0 {
		t.Errorf("POP3 instance exit code %d:\n%s", code, pop.out())
	}
	for _, f := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("lock file %s left behind: %v", f, err)
		}
	}

	// A port taken (here by a Linux program) gives WSAEADDRINUSE, which
	// listen_windows.go must recognise to say what to do.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if code, out := w.run(dir, "/port:"+port); code != exitFailed || !strings.Contains(out, "already in use") ||
		!strings.Contains(out, "/PORT:n") {
		t.Errorf("start on a taken port: exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); !os.IsNotExist(err) {
		t.Errorf("lock file left after a failed start: %v", err)
	}

	// With a floor above any disk's size, the free-space check refuses
	// MAIL: the Windows query (GetDiskFreeSpaceEx) gave a real figure, which
	// the 100 MB floor above let through.
	ini := strings.Replace(wineINI(sink), "[Config]\r\n", "[Config]\r\nMinFreeDiskMB=1073741824\r\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	full := w.start(dir)
	out, _ := exec.Command(testutil.Program(t, "swaks"), "--server", full.addr, "--quit-after", "FROM",
		"--from", "alice@test.example", "--to", "alice@test.example").CombinedOutput()
	if !strings.Contains(string(out), "452 4.3.1") {
		t.Errorf("MAIL with a 1 PB free-space floor:\n%s", out)
	}

	// A hard kill leaves the lock file; the next start takes it over.
	full.cmd.Process.Kill()
	full.wait(30 * time.Second)
	if _, err := os.Stat(filepath.Join(dir, "smtpserver.lck")); err != nil {
		t.Fatalf("expected a stale lock file after the kill: %v", err)
	}
	again := w.start(dir)
	if !strings.Contains(again.out(), "stale lock") {
		t.Errorf("the restart should say it took the stale lock over:\n%s", again.out())
	}
	w.must(dir, "stopping the SMTP instance", "/stop:smtp")
	again.wait(30 * time.Second)
}

// wineAccounts runs the account commands through Wine and checks that
// mailq.ini keeps its CRLF line ends.
func wineAccounts(t *testing.T, w *wineEnv, dir string) {
	t.Helper()
	w.must(dir, "added", "/adduser:alice@test.example", "/pw:secret")
	w.must(dir, "added", "/adduser:con@test.example", "/pw:device")
	w.must(dir, "added", "/adduser:bob@test.example", "/pw:first")
	w.must(dir, "", "/setpass:bob@test.example", "/pw:second")
	w.must(dir, "", "/deluser:bob@test.example")
	w.must(dir, "", "/unlock:carol@test.example")
	// A name Windows cannot use for a folder is refused, and nothing is made.
	if code, out := w.run(dir, `/adduser:"a:b"@test.example`, "/pw:x"); code == 0 {
		t.Errorf(`/adduser:"a:b"@test.example succeeded:\n%s`, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "mailq.ini"))
	if err != nil {
		t.Fatal(err)
	}
	ini := string(data)
	if strings.Count(ini, "\n") != strings.Count(ini, "\r\n") {
		t.Errorf("mailq.ini lost its CRLF line ends:\n%q", ini)
	}
	for _, want := range []string{"alice@test.example=v1:", "con@test.example=v1:"} {
		if !strings.Contains(ini, want) {
			t.Errorf("mailq.ini lacks %q:\n%s", want, ini)
		}
	}
	for _, gone := range []string{"bob@test.example", "carol@test.example", "a:b"} {
		if strings.Contains(ini, gone) {
			t.Errorf("mailq.ini still names %q:\n%s", gone, ini)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "mailq.key")); err != nil {
		t.Errorf("mailq.key: %v", err)
	}
}

// wineReadAndDelete reads every message of user over POP3 with Python's
// poplib, checks the first carries subject, and deletes them all.
func wineReadAndDelete(t *testing.T, addr, user, pw, subject string) {
	t.Helper()
	py := testutil.Python(t, "poplib")
	host, port := splitAddr(t, addr)
	script := `
import poplib, sys
p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=20)
p.user(sys.argv[3]); p.pass_(sys.argv[4])
n = len(p.list()[1])
for i in range(1, n + 1):
    sys.stdout.write(b"\n".join(p.retr(i)[1]).decode())
    p.dele(i)
p.quit()
print("\nread %d" % n)
`
	out, err := exec.Command(py, "-c", script, host, port, user, pw).CombinedOutput()
	if err != nil {
		t.Fatalf("poplib: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Subject: "+subject) || !strings.Contains(string(out), "read 1") {
		t.Fatalf("poplib read:\n%s", out)
	}
}

// TestWindowsConsole runs mailq.exe on a console: Wine gives a program whose
// standard handles are a Linux terminal a Windows console on it. There the
// console lines are in colour and ESC stops the instance (tty_windows.go);
// with standard output a pipe, colour is off even without NO_COLOR. Python's
// pty module runs the console side: it makes the terminal the program's
// controlling terminal, as a shell does, which Wine's console needs.
func TestWindowsConsole(t *testing.T) {
	if os.Getenv("NO_COLOR") != "" {
		t.Skip("NO_COLOR is set in the test's environment")
	}
	dir := t.TempDir()
	w := newWine(t, dir)
	py := testutil.Python(t, "pty")
	if err := os.WriteFile(filepath.Join(dir, "mailq.ini"), []byte(wineINI("127.0.0.1:1")), 0o644); err != nil {
		t.Fatal(err)
	}
	// A pipe: no colour.
	piped := startCmd(t, w.command(context.Background(), dir), dir, nil, nil)
	piped.waitListening(nil)
	w.must(dir, "stopping the SMTP instance", "/stop")
	piped.wait(30 * time.Second)
	if out := piped.out(); strings.Contains(out, "\x1b[") {
		t.Errorf("colour escapes in output to a pipe:\n%q", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", wineConsoleScript, w.wine, w.exe)
	cmd.Dir, cmd.Env = dir, w.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("console session: %v\n%s", err, out)
	}
	for _, want := range []string{"greeting after keys: 220 ", "exit status 0", "ESC pressed", "colour: yes"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("console session lacks %q:\n%s", want, out)
		}
	}
}

// wineConsoleScript starts argv[1] argv[2] (wine mailq.exe) on a new
// terminal, waits until it listens, types ordinary keys and checks that the
// server still greets, then presses ESC and reports how the program ended.
const wineConsoleScript = `
import os, pty, re, select, socket, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def pump(secs, until=None):
    global out
    end = time.time() + secs
    while time.time() < end and (until is None or until not in out):
        if select.select([fd], [], [], 0.1)[0]:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data
def fail(why):
    print(why); print(repr(out)); os.kill(pid, 9); os.waitpid(pid, 0); sys.exit(1)
pump(60, b"instance running")
m = re.search(rb"listening on ([0-9.]+):([0-9]+)", out)
if not m:
    fail("no listening line")
os.write(fd, b"hello\r")
pump(1)
s = socket.create_connection((m.group(1).decode(), int(m.group(2))), timeout=10)
s.settimeout(0.2)
greeting = b""
for _ in range(100):
    pump(0.1)
    try:
        greeting = s.recv(200)
        break
    except socket.timeout:
        pass
s.close()
print("greeting after keys:", greeting.decode(errors="replace").strip())
os.write(fd, b"\x1b")
pump(30, b"instance stopped")
for _ in range(300):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    pump(0.1)
else:
    fail("still running 30s after ESC")
print("exit status", os.waitstatus_to_exitcode(status))
text = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", out).decode(errors="replace")
print("ESC pressed" if "ESC pressed" in text else "no ESC line")
print("colour: yes" if re.search(rb"\x1b\[9[0-7]m", out) else "colour: no")
print(text)
`

// TestWindowsGoBat runs go.bat, the README's first command on Windows, in
// cmd.exe under Wine, in a checkout: it builds run\mailq.exe (with a
// stand-in for go.exe, testdata/fakego: Wine has no Go toolchain) and starts
// both instances from run\; run again, it restarts them; run\mailq.exe /stop
// stops both. A second checkout without Go uses the mailq.exe built before.
func TestWindowsGoBat(t *testing.T) {
	built := t.TempDir()
	w := newWine(t, built)
	root := filepath.Join(t.TempDir(), "mailq checkout")
	run := filepath.Join(root, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	bat, err := os.ReadFile("go.bat")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"go.bat": bat, "go.mod": []byte("module mailq\n"), filepath.Join("run", "mailq.ini"): []byte(wineINI("127.0.0.1:1")),
	} {
		if err := os.WriteFile(filepath.Join(root, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fake := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(fake, "go.exe"), "./testdata/fakego")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the stand-in go.exe: %v\n%s", err, out)
	}
	cmd := func(env []string, line string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, w.wine, "cmd", "/c", line)
		c.Dir, c.Env = root, append(append(w.env[:len(w.env):len(w.env)], env...), "NO_COLOR=1")
		// A file, not a pipe: the instances go.bat starts inherit it and
		// keep running after cmd.exe ends.
		f, err := os.CreateTemp(t.TempDir(), "cmd-output")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c.Stdout, c.Stderr = f, f
		err = c.Run()
		out, _ := os.ReadFile(f.Name())
		if ctx.Err() != nil || c.ProcessState == nil {
			t.Fatalf("cmd /c %s: %v\n%s", line, err, out)
		}
		return c.ProcessState.ExitCode(), string(out)
	}
	withGo := []string{"WINEPATH=" + winPath(fake), "MAILQ_FAKEGO_EXE=" + winPath(w.exe)}
	t.Cleanup(func() { cmd(nil, `run\mailq.exe /stop`) })

	if code, out := cmd(withGo, "go.bat"); code != 0 {
		t.Fatalf("go.bat: exit %d:\n%s", code, out)
	}
	if st, err := os.Stat(filepath.Join(run, "mailq.exe")); err != nil || st.Size() == 0 {
		t.Fatalf("go.bat did not build run\\mailq.exe: %v", err)
	}
	first := wineLockPIDs(t, run)
	// A second go.bat refuses and leaves the running instances alone (it
	// must not stop them, nor rebuild the program they run from).
	if code, out := cmd(withGo, "go.bat"); code != 1 || !strings.Contains(out, "already running; nothing was started or stopped") {
		t.Fatalf("go.bat again: exit %d, want 1 and a refusal:\n%s", code, out)
	}
	if again := wineLockPIDs(t, run); again[0] != first[0] || again[1] != first[1] {
		t.Errorf("a second go.bat changed the instances: pids %v, then %v", first, again)
	}
	code, out := cmd(nil, `run\mailq.exe /stop`)
	if code != 0 || !strings.Contains(out, "stopping the SMTP instance") || !strings.Contains(out, "stopping the POP3 instance") {
		t.Fatalf("/stop: exit %d:\n%s", code, out)
	}
	for _, f := range []string{"smtpserver.lck", "popserver.lck"} {
		if _, err := os.Stat(filepath.Join(run, f)); !os.IsNotExist(err) {
			t.Errorf("%s left after /stop: %v", f, err)
		}
	}

	// No Go: the mailq.exe in run\ starts as it is.
	if code, out := cmd(nil, "go.bat"); code != 0 {
		t.Fatalf("go.bat without Go: exit %d:\n%s", code, out)
	}
	wineLockPIDs(t, run)
	if _, out := cmd(nil, `run\mailq.exe /stop`); !strings.Contains(out, "stopping the SMTP instance") {
		t.Errorf("/stop after go.bat without Go:\n%s", out)
	}
}

// winPath is the Windows name Wine gives a Linux path (drive Z: is /).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineLockPIDs waits until both instances in dir hold their lock files and
// returns the process ids written in them (SMTP, POP3).
func wineLockPIDs(t *testing.T, dir string) [2]string {
	t.Helper()
	var pids [2]string
	for i, f := range []string{"smtpserver.lck", "popserver.lck"} {
		testutil.Eventually(t, f+" with a process id", func() bool {
			data, err := os.ReadFile(filepath.Join(dir, f))
			line, _, ok := strings.Cut(string(data), "\n")
			pids[i] = line
			return err == nil && ok && line != ""
		})
	}
	return pids
}
