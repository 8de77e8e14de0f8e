package main

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"mailq/accounts"
	"mailq/chaos"
	"mailq/config"
	"mailq/guard"
	"mailq/logs"
	"mailq/mda"
	"mailq/msgauth"
	"mailq/queue"
	"mailq/route"
)

// app holds what the components of an instance share. Each component is
// wired in its own file (serve_smtp.go, serve_pop3.go, serve_mda.go,
// serve_mxa.go).
type app struct {
	cfg    *config.Config
	log    *logs.Logger
	tree   *queue.Tree
	users  *accounts.Store
	routes *route.Table

	// mdaWake is signalled when the SMTP server commits a message, so the
	// MDA files it at once instead of at its next scan; mxaWake likewise when
	// the MDA writes a set into the external queue.
	mdaWake chan struct{}
	mxaWake chan struct{}

	// smtpAddr is the SMTP server's listening address, once it listens: the
	// MXA's "never deliver to ourselves" check.
	smtpAddr netip.AddrPort

	// TLS (serve_tls.go): the servers' settings, nil when TLS is off; the
	// extra SMTP listeners' addresses; the Guards the listeners share.
	tlsConfig *tls.Config
	extraSMTP []netip.AddrPort
	smtpGuard *guard.SMTP
	pop3Guard *guard.POP3

	msgAuth *msgauth.Checker // serve_msgauth.go
	chaos   *chaos.Plan      // [Chaos], made by chaosPlan (serve_sink.go)
	// mdaAgent is the MDA, once made: capture mode's direct filing tells
	// its retention about each message (serve_capture.go).
	mdaAgent *mda.Agent
}

// notifier returns a function that signals ch without ever blocking: one
// pending wake-up is enough, since the woken agent scans its whole folder.
func notifier(ch chan struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func newApp(cfg *config.Config, log *logs.Logger) (*app, error) {
	p := cfg.Paths
	tree, err := queue.Open(queue.Dirs{
		Incoming: p.Queue, External: p.External, Retry: p.Retry, Sent: p.Sent,
		Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot use the mail folders: %w", err)
	}
	users, err := accounts.Open(cfg.INIPath, p.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the accounts: %w", err)
	}
	a := &app{cfg: cfg, log: log, tree: tree, users: users,
		mdaWake: make(chan struct{}, 1), mxaWake: make(chan struct{}, 1)}
	tree.SetDurable(cfg.Durable) // Durable=False: fast mode
	a.routes = route.New(cfg.AllDomains(), cfg.Aliases, users.Exists)
	if cfg.Mode == config.ModeSMTP || (cfg.Mode == config.ModeSink && cfg.Sink.Keep) {
		// The SMTP instance owns the queue: repair what a crash left behind
		// before anything reads it. Temporary files of sessions of an earlier
		// process are older than any session of this one.
		repairs, err := tree.Recover(recoverAge(cfg))
		for _, r := range repairs {
			log.Warnf("", "recovery: %s %s (%s)", r.Action, r.Path, r.Reason)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot recover the mail folders: %w", err)
		}
	}
	return a, nil
}

func recoverAge(cfg *config.Config) time.Duration {
	return max(2*cfg.Server.Timeout, 5*time.Minute)
}

func (a *app) close() {}

// components lists the servers and agents of this instance.
func (a *app) components() ([]component, error) {
	var comps []component
	add := func(c component, err error) error {
		if err != nil {
			return err
		}
		comps = append(comps, c)
		return nil
	}
	if err := a.loadTLS(); err != nil { // serve_tls.go
		return nil, err
	}
	if a.cfg.Mode == config.ModePOP {
		if err := add(a.pop3Component()); err != nil {
			return nil, err
		}
		extra, err := a.tlsComponents()
		return append(comps, extra...), err
	}
	if a.cfg.Mode == config.ModeWeb {
		return comps, add(a.webComponent())
	}
	if a.cfg.Mode == config.ModeSink {
		return a.sinkComponents() // serve_sink.go
	}
	if err := add(a.smtpComponent()); err != nil {
		return nil, err
	}
	extra, err := a.tlsComponents()
	if err != nil {
		return nil, err
	}
	comps = append(comps, extra...)
	if a.cfg.MDA.Enabled {
		if err := add(a.mdaComponent()); err != nil {
			return nil, err
		}
	}
	if a.cfg.Capture.WithPOP {
		if err := add(a.pop3Component()); err != nil {
			return nil, err
		}
	}
	if a.cfg.CaptureMXA() {
		if err := add(a.mxaComponent()); err != nil {
			return nil, err
		}
	}
	return comps, nil
}

// hints tells a new user the one step left before sending and reading a
// first message.
func (a *app) hints() {
	if a.captureHint() || a.cfg.Mode == config.ModeSink { // serve_capture.go; the sink has no accounts
		return
	}
	users := a.users.Users()
	switch {
	case len(users) == 0:
		domain := "localhost"
		if d := a.cfg.AllDomains(); len(d) > 0 {
			domain = d[0]
		}
		a.log.Infof("", "no accounts yet: create one with  %s /adduser:admin@%s /pw:secret  (it works while the server runs)", exeName(), domain)
	case len(users) <= 3:
		a.log.Infof("", "accounts: %s", strings.Join(users, ", "))
	default:
		a.log.Infof("", "accounts: %s and %d more", strings.Join(users[:3], ", "), len(users)-3)
	}
}
