package main

import (
	"context"
	"net/netip"

	"mailq/guard"
	"mailq/smtp"
)

// smtpComponent wires the SMTP server (package smtp) into the instance. Each
// committed message wakes the MDA through mdaWake.
func (a *app) smtpComponent() (component, error) {
	srv, err := smtp.New(a.smtpOptions())
	if err != nil {
		return component{}, err
	}
	ln, err := listen(a.cfg, a.cfg.SMTP.Port, "SMTPPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("SMTP", "listening on %s", ln.Addr())
	// The MXA must never deliver to this address (with SMTPPort=0 only the
	// listener knows the port).
	a.smtpAddr, _ = netip.ParseAddrPort(ln.Addr().String())
	return component{name: "SMTP server", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}

// smtpOptions are the options of the SMTP servers of the instance (the
// main port, and submission and SMTPS, serve_tls.go); they share one Guard.
func (a *app) smtpOptions() smtp.Options {
	if a.smtpGuard == nil {
		a.smtpGuard = guard.NewSMTP(guard.Options{Config: a.cfg, Log: a.log})
	}
	return smtp.Options{
		Server:          a.cfg.Server,
		SMTP:            a.cfg.SMTP,
		RefileUnknown:   a.cfg.MDA.RefileUnknownUsers,
		UnknownCap:      a.cfg.MDA.MaxUnknownFolders,
		GroupsLocalOnly: a.cfg.MDA.GroupsLocalOnly,
		Domains:         a.cfg.AllDomains(),
		Tree:            a.tree,
		Accounts:        a.users,
		Routes:          a.routes,
		Log:             a.log,
		Guard:           a.smtpGuard,
		Committed:       notifier(a.mdaWake),
		FailDelay:       failDelay,
		ExeName:         exeName(),
		Version:         version,
		TLS:             a.smtpTLS(false), // serve_tls.go
		Auth:            a.msgAuthChecker(),
		Chaos:           a.chaosPlan(), // serve_sink.go
		Capture:         a.cfg.Capture,
		Direct:          a.directFiler(), // serve_direct.go
	}
}
