package main

import "context"

// smtpComponent wires the SMTP server (package smtp) into the instance.
// TODO(#3): replace the placeholder with package smtp.
func (a *app) smtpComponent() (component, error) {
	ln, err := listen(a.cfg, a.cfg.SMTP.Port, "SMTPPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("SMTP", "listening on %s", ln.Addr())
	return component{name: "SMTP server", run: func(ctx context.Context) error {
		return greet(ctx, ln, "220 "+a.cfg.Server.HostName+" mailq ESMTP ready", "221 2.0.0 Bye", "502 5.5.1 Not implemented")
	}}, nil
}
