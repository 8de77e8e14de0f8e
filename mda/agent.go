package mda

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/queue"
	"mailq/route"
)

// Defaults for the Options fields left zero, and fixed sizes.
const (
	// defaultWorkers: filing waits on fsync, and the file system commits
	// concurrent syncs together, so more workers file more sets per second.
	// Measured with tools/mqload against the binary (2 cores, ext4 on a
	// virtual disk): at 300 msg/s received, 4 workers fell behind by
	// seconds, 16 kept the 250-to-mailbox p99 near 110 ms.
	defaultWorkers       = 16
	defaultNice          = 500 * time.Millisecond
	defaultScriptTimeout = time.Minute
	scriptWorkers        = 4 // scripts running at once
	// retryFirst and retryMax bound the delay before a set that failed
	// for a temporary reason (a full disk) is tried again.
	retryFirst = time.Second
	retryMax   = 5 * time.Minute
	// scriptGrace is how long shutdown waits for running scripts before
	// killing them.
	scriptGrace = 5 * time.Second
)

// Options are what the agent is built from. Tree, Routes and Log are
// required.
type Options struct {
	Tree   *queue.Tree
	Routes *route.Table
	Log    *logs.Logger
	MDA    config.MDA
	// Scripts is the [Scripts] section, /NOSCRIPT already folded in.
	Scripts config.Scripts
	// ScriptDir is the working folder of scripts: the folder of mailq.ini,
	// so relative paths in a script mean what they mean in the INI.
	ScriptDir string
	// ScriptTimeout is the time limit of one script run; 0 means a minute.
	ScriptTimeout time.Duration
	// Domain is the local domain of the domainless "Postmaster" recipient:
	// the first local domain.
	Domain string
	// Nice is the rescan interval (/NICE) that finds sets other programs
	// dropped into the queue; 0 means 500 ms, the /NICE default.
	Nice time.Duration
	// Wake is signalled by the SMTP server after each commit; the agent
	// scans at once. nil: scans at the Nice interval only.
	Wake <-chan struct{}
	// Queued is called after a set was written into the external queue
	// and its source removed, to wake the MXA. It must not block.
	Queued func()
	// FailureBounce is [MXA] FailureBounce (SMTPEnableFailureBounce): a
	// local recipient given up gets its sender a failure notice.
	FailureBounce bool
	// HostName names this server in failure notices (Reporting-MTA, the
	// MAILER-DAEMON's domain); "" means localhost.
	HostName string
	// Workers is how many sets are filed at once; 0 means 16.
	// Filing waits for the disk (each copy is synced), so a few workers
	// overlap those waits.
	Workers int
	// Capture is capture mode (capture.go).
	Capture config.Capture
}

// Agent is the Mail Delivery Agent. Run it once.
type Agent struct {
	tree    *queue.Tree
	log     *logs.Logger
	planner planner
	nice    time.Duration
	wake    <-chan struct{}
	queued  func()
	workers int
	scripts *runner
	retain  *retention // capture mode's limits (capture.go); nil: none
	// bounce and hostName: failure notices for recipients given up.
	bounce   bool
	hostName string
	// again asks the dispatcher for a scan: a notice held back while its
	// source was being filed is due.
	again chan struct{}

	mu      sync.Mutex
	stashed map[queue.ID][]scriptJob // script runs of copies written by an unfinished pass

	now func() time.Time // the clock of failure notices (their Date)

	// Test seams.
	step      func(name string, id queue.ID) // called between the steps of filing a set
	filed     func(id queue.ID, err error)   // called after each attempt at a set
	scanned   func()                         // called after each listing of the queue
	noRecover bool                           // let panics through
}

// New checks the options and returns an agent. It warns about configured
// scripts that do not exist, but does not refuse them: they may be created
// while mailq runs.
func New(o Options) (*Agent, error) {
	if o.Tree == nil || o.Routes == nil || o.Log == nil {
		return nil, errors.New("mda: Tree, Routes and Log are required")
	}
	a := &Agent{
		tree: o.Tree, log: o.Log,
		planner: planner{routes: o.Routes, refileUnknown: o.MDA.RefileUnknownUsers, domain: o.Domain, capture: o.Capture},
		retain:  newRetention(o.Tree, o.Log, o.Capture),
		nice:    o.Nice, wake: o.Wake, queued: o.Queued, workers: o.Workers,
		bounce: o.FailureBounce, hostName: o.HostName, again: make(chan struct{}, 1),
		stashed: map[queue.ID][]scriptJob{}, now: time.Now,
	}
	if a.nice <= 0 {
		a.nice = defaultNice
	}
	if a.workers <= 0 {
		a.workers = defaultWorkers
	}
	if a.queued == nil {
		a.queued = func() {}
	}
	if o.Scripts.Enabled {
		timeout := o.ScriptTimeout
		if timeout <= 0 {
			timeout = defaultScriptTimeout
		}
		a.scripts = newRunner(o.Scripts, o.ScriptDir, timeout, o.Log)
		for _, p := range a.scripts.paths() {
			if _, err := os.Stat(p); err != nil {
				o.Log.Warnf("MDA", "delivery script %s: %v", p, err)
			}
		}
	}
	return a, nil
}

// result is a worker's report on one set.
type result struct {
	id  queue.ID
	err error // nil: filed or quarantined; else try again later
}

// Run files sets until ctx is cancelled, then waits for the set each worker
// is filing and for running scripts (killing those still running after a
// short grace), and returns nil.
func (a *Agent) Run(ctx context.Context) error {
	if a.scripts != nil {
		a.scripts.start()
		defer a.scripts.stop(scriptGrace)
	}
	jobs := make(chan queue.ID)
	results := make(chan result)
	var wg sync.WaitGroup
	for range a.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				err := a.fileSafely(ctx, id)
				results <- result{id, err}
			}
		}()
	}
	a.dispatch(ctx, jobs, results)
	close(jobs)
	go func() { wg.Wait(); close(results) }()
	for range results { // let busy workers finish their set
	}
	return nil
}

// dispatch lists the incoming queue when woken, on the Nice tick, and hands
// each set to one worker at a time, until ctx is cancelled. It is the only
// goroutine that touches pending, queued and retry.
func (a *Agent) dispatch(ctx context.Context, jobs chan<- queue.ID, results <-chan result) {
	tick := time.NewTicker(a.nice)
	defer tick.Stop()
	var pending []queue.ID
	queued := map[queue.ID]bool{} // in pending or being filed
	retry := map[queue.ID]backoff{}
	scan, lastErr := true, ""
	for {
		if scan && len(pending) == 0 {
			scan = false
			pending = a.list(queued, retry, &lastErr)
			if a.scanned != nil {
				a.scanned()
			}
		}
		var send chan<- queue.ID
		var next queue.ID
		if len(pending) > 0 {
			send, next = jobs, pending[0]
		}
		select {
		case <-ctx.Done():
			return
		case send <- next:
			pending = pending[1:]
		case r := <-results:
			delete(queued, r.id)
			if r.err == nil || errors.Is(r.err, errHeld) || ctx.Err() != nil {
				delete(retry, r.id)
				continue
			}
			b := retry[r.id].grow()
			retry[r.id] = b
			a.log.MDARetry(string(r.id), r.err, b.delay)
		case <-a.wake:
			scan = true
		case <-a.again:
			scan = true
		case <-tick.C:
			scan = true
		}
	}
}

// list lists the incoming queue and returns the sets to file now, marking
// them queued: not queued already, not waiting out a retry delay, and not a
// failure notice whose source is still in the queue (held; the source's
// removal asks for the scan that finds it). It forgets the retry state of
// sets gone from the queue, and logs a listing error once until it changes.
func (a *Agent) list(queued map[queue.ID]bool, retry map[queue.ID]backoff, lastErr *string) []queue.ID {
	ids, err := a.tree.List(queue.Incoming)
	if err != nil && err.Error() != *lastErr {
		a.log.MDAError("", "cannot list the queue: %v", err)
	}
	*lastErr = ""
	if err != nil {
		*lastErr = err.Error()
	}
	now := time.Now()
	hold := held(ids)
	listed := make(map[queue.ID]bool, len(ids))
	var pending []queue.ID
	for _, id := range ids {
		listed[id] = true
		if queued[id] || hold[id] || now.Before(retry[id].next) {
			continue
		}
		pending = append(pending, id)
		queued[id] = true
	}
	for id := range retry {
		if !listed[id] && !queued[id] {
			delete(retry, id) // gone: moved away by hand
			a.unstash(id)     // its copies' scripts will never run
		}
	}
	return pending
}

// backoff is the retry state of a set that failed for a temporary reason.
type backoff struct {
	delay time.Duration
	next  time.Time
}

func (b backoff) grow() backoff {
	b.delay = min(max(2*b.delay, retryFirst), retryMax)
	b.next = time.Now().Add(b.delay)
	return b
}

// fileSafely files one set, turning a panic into a quarantine (STYLE §3:
// agent workers recover and keep serving).
func (a *Agent) fileSafely(ctx context.Context, id queue.ID) (err error) {
	if !a.noRecover {
		defer func() {
			if p := recover(); p != nil {
				a.log.MDAError(string(id), "panic while filing: %v\n%s", p, stack())
				err = a.quarantine(id, fmt.Sprintf("the MDA failed on this message (panic: %v)", p))
			}
		}()
	}
	err = a.file(ctx, id)
	if a.filed != nil {
		a.filed(id, err)
	}
	return err
}
