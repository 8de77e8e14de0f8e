//go:build unix

package mda

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailq/config"
	"mailq/internal/testutil"
	"mailq/queue"
)

// writeScript writes a shell script into dir; executable or not.
func writeScript(t *testing.T, dir, name, body string, executable bool) string {
	t.Helper()
	mode := os.FileMode(0o644)
	if executable {
		mode = 0o755
		body = "#!/bin/sh\n" + body
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

const envScript = `echo "EML_FILE=$EML_FILE"
echo "SUBJECT=$SUBJECT"
echo "FROM=$FROM"
echo "TO=$TO"
test -f "$EML_FILE" && head -n 2 "$EML_FILE" | tr -d '\r'
`

// systemScriptLog files one set for alice with the system script at path
// as the only script and returns the MDA log once the script has ended
// (scripts.stop waits for it), as TestScriptsEnvironment does.
func systemScriptLog(t *testing.T, tb *testbed, path string) string {
	t.Helper()
	a := tb.agent(func(o *Options) { o.Scripts = config.Scripts{Enabled: true, System: path} })
	a.scripts.start()
	tb.commit("sender@far.example", []string{"alice@test.example"}, testMessage)
	tb.fileAll(a)
	a.scripts.stop(10 * time.Second)
	log := tb.mdaLog()
	if !strings.Contains(log, "exit status 0") {
		t.Fatalf("the script's end is not logged:\n%s", log)
	}
	return log
}

// TestScriptsEnvironment: after a set is filed, the account's own script
// (executable) and the system script (run through sh) each run once per
// copy in an account's mailbox, with the manual's variables; the unknown
// folder and the external queue run none.
func TestScriptsEnvironment(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	own := writeScript(t, tb.root, "alice.sh", "echo own\n"+envScript, true)
	sys := writeScript(t, tb.root, "system.sh", "echo system for $TO\n", false)
	a := tb.agent(func(o *Options) {
		o.Scripts = config.Scripts{Enabled: true, System: sys, PerUser: map[string]string{"alice@test.example": own}}
	})
	a.scripts.start()
	id := tb.commit("sender@far.example", []string{"sales@test.example", "bob@test.example", "nobody@test.example", "x@far.example"}, testMessage)
	tb.fileAll(a)
	a.scripts.stop(10 * time.Second)
	log := tb.mdaLog()
	eml := filepath.Join(tb.paths.Users, "alice@test.example", string(id)+".eml")
	for _, want := range []string{
		"script output: own",
		"script output: EML_FILE=" + eml,
		"script output: SUBJECT=café and more",
		"script output: FROM=sender@far.example",
		"script output: TO=alice@test.example",
		"script output: Return-Path: <sender@far.example>",
		"script output: system for alice@test.example",
		"script output: system for bob@test.example",
		"script " + own + " for alice@test.example: exit status 0",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("MDA log lacks %q", want)
		}
	}
	if n := strings.Count(log, "script,"); n != 3 {
		t.Errorf("%d script runs, want 3 (own and system for alice, system for bob):\n%s", n, log)
	}
}

// TestScriptTimeoutKillsTree: a script past its time limit is killed with
// everything it started, and the kill is logged.
func TestScriptTimeoutKillsTree(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	pidFile := filepath.Join(tb.root, "child.pid")
	script := writeScript(t, tb.root, "hang.sh", fmt.Sprintf("sleep 60 &\necho $! > %s\necho started\nwait\n", pidFile), true)
	r := newRunner(config.Scripts{Enabled: true}, tb.root, 300*time.Millisecond, tb.log)
	r.start()
	began := time.Now()
	r.submit(scriptJob{id: "x", script: script, to: "alice@test.example"})
	r.stop(time.Minute)
	if took := time.Since(began); took > 20*time.Second {
		t.Fatalf("stop took %v", took)
	}
	log := tb.mdaLog()
	if !strings.Contains(log, "killed after the time limit of 300ms") || !strings.Contains(log, "script output: started") {
		t.Fatalf("MDA log:\n%s", log)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid <= 0 {
		t.Fatalf("pid file %q", data)
	}
	testutil.Eventually(t, fmt.Sprintf("the script's child %d ended by the time limit", pid), func() bool { return !alive(pid) })
}

// TestScriptOutputBounded: a chatty script is not killed, and only the
// first lines reach the log.
func TestScriptOutputBounded(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	script := writeScript(t, tb.root, "chatty.sh", "i=0; while [ $i -lt 5000 ]; do echo line $i; i=$((i+1)); done\nexit 3\n", false)
	r := newRunner(config.Scripts{Enabled: true}, tb.root, time.Minute, tb.log)
	r.start()
	r.submit(scriptJob{id: "x", script: script, to: "alice@test.example"})
	r.stop(time.Minute)
	log := tb.mdaLog()
	if n := strings.Count(log, "script-output"); n != scriptOutputLines+1 {
		t.Errorf("%d output rows, want %d", n, scriptOutputLines+1)
	}
	if !strings.Contains(log, "(more output not logged)") || !strings.Contains(log, "exit status 3") {
		t.Fatalf("MDA log:\n%s", log)
	}
}

// TestScriptsNeverBlock: with every slot busy and the queue full, another
// run is skipped at once, and shutdown kills what still runs.
func TestScriptsNeverBlock(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	script := writeScript(t, tb.root, "slow.sh", "sleep 60\n", true)
	r := newRunner(config.Scripts{Enabled: true}, tb.root, time.Minute, tb.log)
	r.start()
	for range scriptWorkers + scriptQueue {
		r.submit(scriptJob{id: "x", script: script, to: "alice@test.example"})
	}
	done := make(chan struct{})
	go func() {
		r.submit(scriptJob{id: "y", script: script, to: "alice@test.example"})
		close(done)
	}()
	wait(t, done, "submit to return")
	began := time.Now()
	r.stop(100 * time.Millisecond)
	if took := time.Since(began); took > 20*time.Second {
		t.Fatalf("stop took %v", took)
	}
	log := tb.mdaLog()
	if !strings.Contains(log, "script runs already waiting") || !strings.Contains(log, "killed: mailq is stopping") {
		t.Fatalf("MDA log:\n%s", log)
	}
}

// TestScriptAfterRetry: a copy written by an attempt that failed later
// runs its script once, when a later attempt completes the set.
func TestScriptAfterRetry(t *testing.T) {
	t.Parallel()
	tb := newTestbed(t)
	script := writeScript(t, tb.root, "s.sh", "echo ran for $TO\n", true)
	a := tb.agent(func(o *Options) {
		o.Scripts = config.Scripts{Enabled: true, PerUser: map[string]string{"alice@test.example": script}}
	})
	a.scripts.start()
	blocker := filepath.Join(tb.paths.Users, "bob@test.example")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	id := tb.commit("sender@far.example", []string{"alice@test.example", "bob@test.example"}, testMessage)
	if err := a.fileSafely(t.Context(), id); err == nil {
		t.Fatal("filing succeeded with bob's folder blocked")
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	if err := a.fileSafely(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	a.scripts.stop(10 * time.Second)
	if n := strings.Count(tb.mdaLog(), "script output: ran for alice@test.example"); n != 1 {
		t.Fatalf("script ran %d times, want 1", n)
	}
	if _, err := tb.tree.Envelope(queue.Incoming, id); err == nil {
		t.Fatal("set still queued")
	}
}

// alive reports whether process pid still runs: it exists and, where /proc
// tells, is not a zombie waiting for an init that does not reap.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
