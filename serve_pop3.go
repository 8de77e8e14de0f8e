package main

import "context"

// pop3Component wires the POP3 server (package pop3) into the instance.
// TODO(#5): replace the placeholder with package pop3.
func (a *app) pop3Component() (component, error) {
	ln, err := listen(a.cfg, a.cfg.POP.Port, "POPPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("POP3", "listening on %s", ln.Addr())
	return component{name: "POP3 server", run: func(ctx context.Context) error {
		return greet(ctx, ln, "+OK "+a.cfg.Server.HostName+" mailq POP3 ready", "+OK Bye", "-ERR Not implemented")
	}}, nil
}
