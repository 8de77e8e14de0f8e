package mxa

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"mailq/chaos"
	"mailq/config"
	"mailq/logs"
	"mailq/queue"
	"mailq/resolve"
)

// Options configure an Agent.
type Options struct {
	Tree *queue.Tree
	Log  *logs.Logger
	// MXA is the [MXA] section (routing mode, gateway, retry, expiry,
	// bounces, workers, TLS); LocalMX the [LocalMX] table.
	MXA     config.MXA
	LocalMX []config.MXRoute
	// HostName is sent with EHLO and names the reporting server in failure
	// notices.
	HostName string
	// LocalDomain reports whether a domain is one of ours: mail for it never
	// leaves, and a server of that name on our port is ourselves.
	LocalDomain func(domain string) bool
	// Listen lists the addresses our SMTP server listens on (an unspecified
	// address stands for all of this machine's); the agent never connects
	// to them. A zero port is unknown and ignored.
	Listen []netip.AddrPort
	// DNS answers MX and address lookups; it may be nil when the routing
	// mode needs no DNS.
	DNS Resolver
	// Wake is signalled when a set was written into the external queue.
	Wake <-chan struct{}
	// Rescan is how often the external queue is listed for sets other
	// processes put there (Server.Nice); 0 means once a second.
	Rescan time.Duration
	// Bounced is called after a set with a failure notice was filed, so
	// the MDA, which held the notice in the incoming queue until then,
	// files it (it wakes the MDA); nil for none.
	Bounced func()
	// Timeouts bound each wait of a delivery; zero fields take
	// DefaultTimeouts' values.
	Timeouts Timeouts
	// RootCAs checks servers' certificates with VerifyTLS; nil means the
	// system's.
	RootCAs *x509.CertPool
	// TLS holds the per-route TLS policies (GatewayTLS, [LocalMX] entries).
	TLS config.TLS
	// Sign returns the DKIM-Signature field to put in front of a message
	// read from its argument, or "" for none (dkim.go); nil signs nothing.
	Sign func(io.Reader) (string, error)
	// StopGrace is how long deliveries in progress may go on after Run's
	// context ends; 0 means 10 seconds.
	StopGrace time.Duration
	// Chaos holds the [Chaos] rules of stage SEND (chaos.go); nil for none.
	Chaos *chaos.Plan
	// Allow, when set (capture mode), is asked about every recipient
	// before anything is sent; a set with one it refuses goes to bad/
	// (capture.go).
	Allow func(addr string) bool
}

// Agent is the Mail Exchange Agent. Create it with New and start it with
// Run; it is not reusable after Run returns.
type Agent struct {
	opt     Options
	tree    *queue.Tree
	log     *logs.Logger
	router  *router
	client  *clientConfig
	self    *self
	hosts   *hostCache
	dests   *destLimit
	workers int

	// Hooks for tests.
	now       func() time.Time
	step      func(name string) // between the steps of a job
	noRecover bool              // let a panicking job crash the test
	onFinish  func()            // after Run took a job's result
	started   func()            // when Run has built its index
}

// New checks opt and returns an Agent.
func New(opt Options) (*Agent, error) {
	if opt.Tree == nil || opt.Log == nil {
		return nil, errors.New("mxa: Tree and Log are required")
	}
	t := withDefaults(opt.Timeouts)
	needDNS := opt.MXA.MX == config.MXRemote
	for _, e := range opt.LocalMX {
		needDNS = needDNS || (opt.MXA.MX == config.MXLocal && e.Host == "*")
	}
	if needDNS && opt.DNS == nil {
		return nil, errors.New("mxa: MX mode " + opt.MXA.MX.String() + " needs DNS, and no DNS server is available")
	}
	if opt.MXA.MX == config.MXGateway && opt.MXA.Gateway == "" {
		return nil, errors.New("mxa: MX=Gateway needs [MXA] Gateway=host[:port] (or /GATEWAY:host)")
	}
	if opt.DNS == nil {
		opt.DNS = noDNS{}
	}
	if opt.Rescan <= 0 {
		opt.Rescan = time.Second
	}
	if opt.StopGrace <= 0 {
		opt.StopGrace = 10 * time.Second
	}
	me := newSelf(opt.Listen, opt.HostName, opt.LocalDomain)
	a := &Agent{
		opt: opt, tree: opt.Tree, log: opt.Log, self: me,
		workers: max(opt.MXA.Workers, 1),
		dests:   newDestLimit(opt.MXA.PerDestination()),
		router:  newRouter(opt.MXA.MX, opt.MXA.Gateway, opt.LocalMX, opt.DNS, t, me),
		client: &clientConfig{hostName: opt.HostName, t: t, roots: opt.RootCAs,
			user: opt.MXA.GatewayUser, pass: opt.MXA.GatewayPassword},
		now:  time.Now,
		step: func(string) {},
	}
	a.router.tls = newRouteTLS(opt.MXA, opt.TLS) // tls.go
	if a.client.hostName == "" {
		a.client.hostName = "localhost"
	}
	a.hosts = newHostCache(opt.MXA.RetryInterval, func() time.Time { return a.now() })
	return a, nil
}

func withDefaults(t Timeouts) Timeouts {
	d := DefaultTimeouts()
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.Connect, &d.Connect}, {&t.Greeting, &d.Greeting}, {&t.Command, &d.Command},
		{&t.DataInit, &d.DataInit}, {&t.Block, &d.Block}, {&t.DataEnd, &d.DataEnd},
		{&t.Lookup, &d.Lookup}, {&t.Session, &d.Session},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return t
}

// Run delivers external mail until ctx ends, then lets deliveries in progress
// finish (for up to StopGrace) and returns. Sets are taken from the external
// queue at once, and from the retry queue when due; an index of due times,
// built from retry/ at start, means nothing is read while nothing is due.
func (a *Agent) Run(ctx context.Context) error {
	a.log.Startf("MXA", "starting Mail Exchange Agent: %s, %d worker(s)", a.describe(), a.workers)
	if a.opt.MXA.MX == config.MXNone {
		return a.idle(ctx)
	}
	s := newSched()
	if err := a.loadRetry(s); err != nil {
		return err
	}
	a.scan(s)
	if a.started != nil {
		a.started()
	}

	// Sessions outlive ctx by StopGrace, so a message half sent can finish.
	sctx, scancel := context.WithCancel(context.WithoutCancel(ctx))
	defer scancel()
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(a.opt.StopGrace, scancel) })
	defer stopAfter()

	done := make(chan finished, a.workers)
	running := 0
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	tick := time.NewTicker(a.opt.Rescan)
	defer tick.Stop()
	for {
		for running < a.workers && ctx.Err() == nil {
			it := s.next(a.now())
			if it == nil {
				break
			}
			running++
			go a.work(ctx, sctx, it, done)
		}
		var due <-chan time.Time
		if at, ok := s.nextDue(); ok && running < a.workers {
			timer.Reset(max(at.Sub(a.now()), 0))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			for ; running > 0; running-- {
				a.finish(s, <-done)
			}
			a.log.Infof("MXA", "Mail Exchange Agent stopped")
			return nil
		case <-a.opt.Wake:
			a.scan(s)
		case <-tick.C:
			a.scan(s)
		case <-due:
		case f := <-done:
			running--
			a.finish(s, f)
		}
	}
}

// finished is a job's end, sent back to Run.
type finished struct {
	it  *item
	res result
}

// work runs one job in its own goroutine. A panic is logged with its stack
// and the set is tried again later, like any other failure (STYLE §3).
func (a *Agent) work(ctx, sctx context.Context, it *item, done chan<- finished) {
	var res result
	defer func() {
		if !a.noRecover {
			if p := recover(); p != nil {
				a.log.MXAErrorf(string(it.id), "worker crashed: %v\n%s", p, debug.Stack())
				res = result{err: fmt.Errorf("mxa: worker crashed: %v", p)}
			}
		}
		done <- finished{it, res}
	}()
	res = a.run(ctx, sctx, it.folder, it.id)
}

// finish takes a job's result into the schedule.
func (a *Agent) finish(s *sched, f finished) {
	backoff := time.Duration(0)
	if f.res.err != nil {
		backoff = min(a.opt.MXA.RetryInterval, 5*time.Minute)
		backoff = max(backoff, time.Second)
		a.log.MXAErrorf(string(f.it.id), "%v; trying again in %s", f.res.err, fmtDuration(backoff))
	}
	if f.res.err == nil && f.res.blocked != "" {
		s.park(f.it, f.res.blocked, f.res.retry)
	} else {
		s.done(f.it, f.res.retry, backoff, a.now())
	}
	s.unpark(a.dests.free)
	if f.res.bounced && a.opt.Bounced != nil {
		a.opt.Bounced()
	}
	if a.onFinish != nil {
		a.onFinish()
	}
}

// scan adds the sets of the external queue not seen yet.
func (a *Agent) scan(s *sched) {
	ids, err := a.tree.List(queue.External)
	if err != nil {
		a.log.MXAErrorf("", "cannot list the external queue: %v", err)
		return
	}
	// A set whose source is still committed in the incoming queue is the
	// MDA's until it removes that source: after a crash between writing the
	// external set and removing the source, the MDA's replay finds the set
	// here (ErrExists) only if it has not been sent and moved on meanwhile,
	// so sending it now could send it twice. The MDA wakes the agent once
	// the source is gone; a later scan finds it otherwise.
	var owned map[queue.ID]bool
	if len(ids) > 0 {
		incoming, err := a.tree.List(queue.Incoming)
		if err != nil {
			a.log.MXAErrorf("", "cannot list the incoming queue: %v", err)
			return
		}
		owned = make(map[queue.ID]bool, len(incoming))
		for _, id := range incoming {
			owned[id] = true
		}
	}
	for _, id := range ids {
		if !owned[id] {
			s.addExternal(id)
		}
	}
}

// loadRetry builds the index of due times from the envelopes in retry/.
func (a *Agent) loadRetry(s *sched) error {
	start := a.now()
	ids, err := a.tree.List(queue.Retry)
	if err != nil {
		return fmt.Errorf("mxa: %w", err)
	}
	for i, due := range a.dueTimes(ids, start) {
		s.add(&item{folder: queue.Retry, id: ids[i], due: due})
	}
	if len(ids) > 0 {
		at, _ := s.nextDue()
		a.log.MXAInfof("", "%d set(s) waiting in retry/, the first due %s (indexed in %s)",
			len(ids), at.Local().Format(time.DateTime), a.now().Sub(start).Round(time.Millisecond))
	}
	return nil
}

// indexReaders is how many envelopes loadRetry reads at once: the time goes
// into system calls and, on a slow disk, into waiting for it.
const indexReaders = 8

// dueTimes reads the due times of the sets ids in retry/, several at once.
// A set whose envelope cannot be read is due now: its job decides.
func (a *Agent) dueTimes(ids []queue.ID, now time.Time) []time.Time {
	out := make([]time.Time, len(ids))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(indexReaders, len(ids)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(ids); i = int(next.Add(1) - 1) {
				out[i] = now
				if env, err := a.tree.Envelope(queue.Retry, ids[i]); err == nil {
					out[i] = dueTime(env, now)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// dueTime is the earliest next= of a set's pending recipients; now if one
// has none, or none is pending (a set to file).
func dueTime(env *queue.Envelope, now time.Time) time.Time {
	var due time.Time
	for _, r := range env.Recipients {
		if r.Status != queue.StatusPending {
			continue
		}
		if r.Next.Before(now) {
			return now
		}
		if due.IsZero() || r.Next.Before(due) {
			due = r.Next
		}
	}
	if due.IsZero() {
		return now
	}
	return due
}

// idle is Run without an MX mode: mail for other domains waits, and the
// administrator is told once, not at every scan.
func (a *Agent) idle(ctx context.Context) error {
	warned := a.warnWaiting()
	for {
		select {
		case <-ctx.Done():
			a.log.Infof("MXA", "Mail Exchange Agent stopped")
			return nil
		case <-a.opt.Wake:
			if !warned {
				warned = a.warnWaiting()
			}
		}
	}
}

func (a *Agent) warnWaiting() bool {
	n, _ := a.tree.Count(queue.External)
	m, _ := a.tree.Count(queue.Retry)
	if n+m == 0 {
		return false
	}
	a.log.MXAWarnf("", "%d message(s) for other domains are waiting: no MX mode is set; set [MXA] MX=Gateway, Local or Remote (or /MX:) and restart", n+m)
	return true
}

func (a *Agent) describe() string {
	switch a.opt.MXA.MX {
	case config.MXGateway:
		return "all mail to the gateway " + a.opt.MXA.Gateway
	case config.MXLocal:
		return fmt.Sprintf("[LocalMX] table of %d entries", len(a.opt.LocalMX))
	case config.MXRemote:
		return "DNS MX"
	}
	return "no MX mode set: mail for other domains waits"
}

// noDNS stands in when the routing mode needs no DNS.
type noDNS struct{}

var errNoDNS = errors.New("mxa: no DNS server")

func (noDNS) LookupMX(context.Context, string) ([]resolve.MX, error) { return nil, errNoDNS }
func (noDNS) LookupIP(context.Context, string) ([]netip.Addr, error) { return nil, errNoDNS }

func fmtDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.Round(time.Millisecond).String()
}
