package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"mailq/guard"
	"mailq/pop3"
)

// failDelay is how long after a failed POP3 login attempt its answer comes:
// it slows down password guessing and hides the time the check took.
const failDelay = time.Second

// errRPOP explains why the POP3 instance does not start with /RPOP.
var errRPOP = errors.New("RPOP logins are not supported (POPRPOPEnabled=True or /RPOP): " +
	"RPOP (RFC 1081) takes the client's word for who the user is, with no password, " +
	"and nothing on a network proves a client's address or port, so limiting it to one subnet would not make it safe; " +
	"remove /RPOP or set POPRPOPEnabled=False, and let clients log in with APOP (which sends no password) or USER/PASS")

// pop3Component wires the POP3 server (package pop3) into the instance.
func (a *app) pop3Component() (component, error) {
	if a.cfg.POP.RPOP {
		return component{}, errRPOP
	}
	srv, err := pop3.New(a.pop3Options())
	if err != nil {
		return component{}, err
	}
	ln, err := listen(a.cfg, a.cfg.POP.Port, "POPPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("POP3", "listening on %s", ln.Addr())
	return component{name: "POP3 server", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}

// pop3Options are the options of the POP3 servers of the instance (the
// main port and POP3S, serve_tls.go); they share one Guard.
func (a *app) pop3Options() pop3.Options {
	if a.pop3Guard == nil {
		a.pop3Guard = guard.NewPOP3(guard.Options{Config: a.cfg, Log: a.log})
	}
	return pop3.Options{
		Server:   a.cfg.Server,
		POP:      a.cfg.POP,
		MotdPath: a.cfg.Paths.Motd,
		Tree:     a.tree,
		Accounts: a.users,
		Log:      a.log,
		// The abuse controls: block list, per-IP limits, auto-ban, and the
		// POP-before-SMTP record of each login.
		Guard:     a.pop3Guard,
		Version:   version,
		ExeName:   filepath.Base(exeName()),
		Getenv:    os.Getenv,
		FailDelay: failDelay,
		TLS:       a.pop3TLS(false), // serve_tls.go
		Capture:   a.cfg.Capture,
	}
}
