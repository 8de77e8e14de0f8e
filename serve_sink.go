package main

import (
	"context"
	"sync/atomic"
	"time"

	"mailq/chaos"
	"mailq/config"
	"mailq/route"
	"mailq/smtp"
)

// The sink instance (/SINK): the SMTP receiver as a stand-in for a remote
// server, for testing other mail systems and our own MXA. It accepts every
// recipient at every domain (open relay, no local domain), refuses, delays,
// hangs or drops by the [Chaos] rules, and keeps what it accepts in the
// queue folder (SinkKeep=True) or reads it to its final dot and discards it.

// sinkReport is how often the sink prints its count and rate, when it
// changed.
const sinkReport = 5 * time.Second

// sinkComponents returns the sink's server and its console reporter.
func (a *app) sinkComponents() ([]component, error) {
	var accepted atomic.Int64
	o := a.smtpOptions()
	o.SMTP.Relay = config.RelayOpen
	o.Domains = nil
	o.Routes = route.New(nil, nil, func(string) bool { return false })
	o.RefileUnknown = true
	o.Discard = !a.cfg.Sink.Keep
	o.Direct = nil // everything the sink keeps stays in the queue
	o.Committed = func() { accepted.Add(1) }
	srv, err := smtp.New(o)
	if err != nil {
		return nil, err
	}
	ln, err := listen(a.cfg, a.cfg.Sink.Port, "SinkPort")
	if err != nil {
		return nil, err
	}
	a.log.Startf("SINK", "listening on %s", ln.Addr())
	return []component{
		{name: "sink", run: func(ctx context.Context) error { return srv.Serve(ctx, ln) }},
		{name: "sink report", run: func(ctx context.Context) error {
			a.sinkReport(ctx, accepted.Load, sinkReport)
			return nil
		}},
	}, nil
}

// sinkReport prints the running count of accepted messages and the rate
// since the last line, every interval while it changes, and the total at
// the end.
func (a *app) sinkReport(ctx context.Context, count func() int64, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	start, last, lastAt := time.Now(), int64(0), time.Now()
	for {
		select {
		case <-ctx.Done():
			n := count()
			a.log.Infof("SINK", "%d message(s) accepted in %s (%.1f/s on average)", n,
				time.Since(start).Round(time.Second), float64(n)/max(time.Since(start).Seconds(), 1e-3))
			return
		case now := <-t.C:
			n := count()
			if n != last {
				a.log.Infof("SINK", "%d message(s) accepted, %.1f/s", n, float64(n-last)/now.Sub(lastAt).Seconds())
			}
			last, lastAt = n, now
		}
	}
}

// chaosPlan is the instance's [Chaos] plan, made once and shared by its
// servers and the MXA; nil without rules. The seed is logged, so that a run
// can be replayed.
func (a *app) chaosPlan() *chaos.Plan {
	if a.chaos == nil && len(a.cfg.Chaos.Rules) > 0 {
		a.chaos = chaos.New(a.cfg.Chaos)
		a.log.Warnf("", "chaos: %d rule(s) inject faults on purpose; seed %d (set [Chaos] Seed=%d to replay this run)",
			len(a.cfg.Chaos.Rules), a.chaos.Seed(), a.chaos.Seed())
	}
	return a.chaos
}
