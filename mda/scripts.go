package mda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/queue"
)

const (
	// scriptQueue is how many script runs may wait for a free slot; past it
	// a run is skipped (and logged) rather than slow delivery down.
	scriptQueue = 256
	// scriptOutput bounds the output kept from one run for the log.
	scriptOutput = 16 << 10
	// scriptOutputLines bounds the lines of it that are logged.
	scriptOutputLines = 50
	// scriptWaitDelay is how long a script's output is still read after
	// it exited or was killed, when a process it started in the
	// background keeps the pipe open.
	scriptWaitDelay = 2 * time.Second
)

// scriptJob is one run of one script for one delivered copy.
type scriptJob struct {
	id      queue.ID
	script  string // path of the program
	eml     string // EML_FILE: the delivered copy
	subject string // SUBJECT
	from    string // FROM: the envelope sender ("" for <>)
	to      string // TO: the mailbox it was delivered to
}

// queueScripts notes the scripts to run for a copy just written into t's
// mailbox: its own script, then the system script. They run once the set
// is completely filed (runScripts).
func (fs *filing) queueScripts(t target) {
	r := fs.a.scripts
	if r == nil {
		return
	}
	var paths []string
	if p := r.cfg.PerUser[t.addr]; p != "" {
		paths = append(paths, p)
	}
	if p := r.cfg.System; p != "" && (len(paths) == 0 || paths[0] != p) {
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return
	}
	eml := fs.emlPath(t)
	for _, p := range paths {
		fs.scripts = append(fs.scripts, scriptJob{id: fs.id, script: p, eml: eml,
			subject: fs.h.subject, from: fs.env.From, to: t.addr})
	}
}

// emlPath is the path of the copy of this set in t's mailbox, as queue
// names it; "" if it cannot say.
func (fs *filing) emlPath(t target) string {
	mb, err := fs.a.tree.Mailbox(t.addr)
	if err != nil {
		return ""
	}
	p, err := mb.Path(fs.id)
	if err != nil {
		return ""
	}
	return p
}

// stash keeps the script runs of an attempt that failed half way: the
// copies it wrote are not written again, so their scripts run when a later
// attempt completes the set. A crash loses them: scripts run at most once.
func (a *Agent) stash(id queue.ID, jobs []scriptJob) {
	if len(jobs) == 0 {
		return
	}
	a.mu.Lock()
	a.stashed[id] = append(a.stashed[id], jobs...)
	a.mu.Unlock()
}

// unstash forgets the script runs kept for a set that left the queue
// without being filed (moved away by hand).
func (a *Agent) unstash(id queue.ID) {
	a.mu.Lock()
	delete(a.stashed, id)
	a.mu.Unlock()
}

// runScripts hands the runs for a set that is done with (completely filed,
// or quarantined after some copies were written) to the runner.
func (a *Agent) runScripts(id queue.ID, jobs []scriptJob) {
	a.mu.Lock()
	jobs = append(a.stashed[id], jobs...)
	delete(a.stashed, id)
	a.mu.Unlock()
	for _, j := range jobs {
		a.scripts.submit(j)
	}
}

// runner runs delivery scripts a few at a time, never blocking the caller.
type runner struct {
	cfg     config.Scripts
	dir     string
	timeout time.Duration
	log     *logs.Logger
	jobs    chan scriptJob
	workers int

	ctx    context.Context // cancelled to kill every running script
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
}

func newRunner(cfg config.Scripts, dir string, timeout time.Duration, log *logs.Logger) *runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &runner{cfg: cfg, dir: dir, timeout: timeout, log: log,
		jobs: make(chan scriptJob, scriptQueue), workers: scriptWorkers, ctx: ctx, cancel: cancel}
}

// paths lists every configured script.
func (r *runner) paths() []string {
	var ps []string
	if r.cfg.System != "" {
		ps = append(ps, r.cfg.System)
	}
	for _, p := range r.cfg.PerUser {
		ps = append(ps, p)
	}
	return ps
}

func (r *runner) start() {
	for range r.workers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			for j := range r.jobs {
				if r.ctx.Err() != nil {
					r.log.MDAScript(string(j.id), j.to, j.script, "not run: mailq is stopping", false, 0)
					continue
				}
				r.run(j)
			}
		}()
	}
}

// submit queues j, or logs that it was skipped when the queue is full or
// the runner stopped. It never blocks.
func (r *runner) submit(j scriptJob) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.log.MDAScript(string(j.id), j.to, j.script, "not run: mailq is stopping", false, 0)
		return
	}
	select {
	case r.jobs <- j:
	default:
		r.log.MDAScript(string(j.id), j.to, j.script, fmt.Sprintf("not run: %d script runs already waiting", scriptQueue), false, 0)
	}
}

// stop lets queued and running scripts go on for grace, then kills those
// still running, and returns when every runner goroutine has ended.
func (r *runner) stop(grace time.Duration) {
	r.mu.Lock()
	r.closed = true
	close(r.jobs)
	r.mu.Unlock()
	kill := time.AfterFunc(grace, r.cancel)
	r.wg.Wait()
	kill.Stop()
	r.cancel()
}

// run runs one script to its end or its time limit and logs the outcome.
func (r *runner) run(j scriptJob) {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	cmd := scriptCommand(ctx, j.script)
	cmd.Dir = r.dir
	// Later entries win over inherited ones of the same name.
	cmd.Env = append(os.Environ(), "EML_FILE="+j.eml, "SUBJECT="+j.subject, "FROM="+j.from, "TO="+j.to)
	out := &capped{max: scriptOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = scriptWaitDelay
	began := time.Now()
	err := cmd.Run()
	took := time.Since(began)
	for i, line := range bytes.Split(bytes.TrimRight(out.buf.Bytes(), "\r\n"), []byte("\n")) {
		if i == scriptOutputLines {
			r.log.MDAScriptOutput(string(j.id), j.script, "(more output not logged)")
			break
		}
		if len(line) > 0 || i > 0 {
			r.log.MDAScriptOutput(string(j.id), j.script, string(bytes.TrimRight(line, "\r")))
		}
	}
	result, ok := "exit status 0", true
	var exit *exec.ExitError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		result, ok = fmt.Sprintf("killed after the time limit of %v", r.timeout), false
	case r.ctx.Err() != nil:
		result, ok = "killed: mailq is stopping", false
	case errors.As(err, &exit):
		result, ok = exit.String(), false
	case errors.Is(err, exec.ErrWaitDelay):
		result = "exit status 0 (a process it started keeps running)"
	case err != nil:
		result, ok = "cannot run: "+err.Error(), false
	}
	r.log.MDAScript(string(j.id), j.to, j.script, result, ok, took)
}

// capped keeps the first max bytes written to it and discards the rest,
// never failing, so a chatty script is not killed by a broken pipe.
type capped struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
