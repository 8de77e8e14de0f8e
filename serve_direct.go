package main

import (
	"mailq/queue"
	"mailq/smtp"
)

// directFiler is the SMTP server's direct filing (smtp/direct.go): set when
// the MDA runs in this process and [MDA] DirectFiling is on, outside /TEST.
// The MDA agent decides each message (mda/direct.go); it is made after the
// SMTP options, so it is looked up at each call.
func (a *app) directFiler() smtp.DirectFiler {
	c := a.cfg
	if !c.MDA.Enabled || !c.MDA.DirectFiling || c.Server.Test {
		return nil
	}
	return appDirect{a}
}

type appDirect struct{ a *app }

func (d appDirect) DirectBox(r queue.Recipient) (string, string, bool) {
	if d.a.mdaAgent == nil {
		return "", "", false
	}
	return d.a.mdaAgent.DirectBox(r)
}

func (d appDirect) Filed(env *queue.Envelope, box, orig string) {
	if d.a.mdaAgent != nil {
		d.a.mdaAgent.Filed(env, box, orig)
	}
}
