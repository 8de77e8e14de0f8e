package main

import (
	"context"

	"mailq/mda"
)

// mdaComponent wires the Mail Delivery Agent into the SMTP instance. It
// wakes on a.mdaWake (signalled by the SMTP server after each commit),
// rescans the queue at the /NICE interval for sets other programs dropped
// there, and wakes the MXA after writing into the external queue. It writes
// failure notices for local recipients it gives up into its own queue, and
// wakes itself for them.
func (a *app) mdaComponent() (component, error) {
	domain := a.cfg.Server.HostName
	if d := a.cfg.AllDomains(); len(d) > 0 {
		domain = d[0]
	}
	agent, err := mda.New(mda.Options{
		Tree:      a.tree,
		Routes:    a.routes,
		Log:       a.log,
		MDA:       a.cfg.MDA,
		Scripts:   a.cfg.Scripts,
		ScriptDir: a.cfg.BaseDir,
		Domain:    domain,
		Nice:      a.cfg.Server.Nice,
		Wake:      a.mdaWake,
		Queued:    notifier(a.mxaWake),
		// A local recipient given up gets a failure notice under the
		// same switch as the MXA's (SMTPEnableFailureBounce).
		FailureBounce: a.cfg.MXA.FailureBounce,
		HostName:      a.cfg.Server.HostName,
		Capture:       a.cfg.Capture,
	})
	if err != nil {
		return component{}, err
	}
	a.mdaAgent = agent
	return component{name: "Mail Delivery Agent", run: func(ctx context.Context) error {
		if a.cfg.Server.Test {
			// /TEST writes no mail: the queue is left as it is.
			a.log.Startf("MDA", "test mode: the Mail Delivery Agent files nothing")
			<-ctx.Done()
			return nil
		}
		a.log.Startf("MDA", "Mail Delivery Agent started: filing %s into %s", a.cfg.Paths.Queue, a.cfg.Paths.Users)
		err := agent.Run(ctx)
		a.log.Infof("MDA", "Mail Delivery Agent stopped")
		return err
	}}, nil
}
