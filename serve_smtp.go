package main

import (
	"context"

	"mailq/smtp"
)

// smtpComponent wires the SMTP server (package smtp) into the instance. Each
// committed message wakes the MDA through mdaWake.
func (a *app) smtpComponent() (component, error) {
	srv, err := smtp.New(smtp.Options{
		Server:        a.cfg.Server,
		SMTP:          a.cfg.SMTP,
		RefileUnknown: a.cfg.MDA.RefileUnknownUsers,
		Domains:       a.cfg.AllDomains(),
		Tree:          a.tree,
		Accounts:      a.users,
		Routes:        a.routes,
		Log:           a.log,
		Committed:     notifier(a.mdaWake),
		ExeName:       exeName(),
		Version:       version,
	})
	if err != nil {
		return component{}, err
	}
	ln, err := listen(a.cfg, a.cfg.SMTP.Port, "SMTPPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("SMTP", "listening on %s", ln.Addr())
	return component{name: "SMTP server", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}
