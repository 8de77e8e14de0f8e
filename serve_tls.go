package main

import (
	"context"
	"fmt"
	"net/netip"

	"mailq/config"
	"mailq/pop3"
	"mailq/smtp"
	"mailq/tlsconf"
)

// loadTLS reads the certificate named by TLSCert/TLSKey, or the self-signed
// one in the tls folder (making it on first start), and prints its
// fingerprint. Any problem stops the start: a server that was told to
// speak TLS must not quietly run without it.
func (a *app) loadTLS() error {
	t := a.cfg.TLS
	if !t.Enabled {
		return nil
	}
	certPath, keyPath := t.CertFile, t.KeyFile
	if certPath == "" {
		var created bool
		var err error
		certPath, keyPath, created, err = tlsconf.SelfSigned(t.Dir, a.cfg.Server.HostName)
		if err != nil {
			return fmt.Errorf("cannot make the self-signed TLS certificate: %w", err)
		}
		if created {
			a.log.Infof("", "made a self-signed TLS certificate for %s in %s", a.cfg.Server.HostName, t.Dir)
		}
	}
	store, err := tlsconf.Load(certPath, keyPath)
	if err != nil {
		return fmt.Errorf("cannot use the TLS certificate (TLSCert=, TLSKey= in %s): %w", iniName(a.cfg), err)
	}
	store.Warn = func(format string, args ...any) { a.log.Warnf("TLS", format, args...) }
	leaf := store.Leaf()
	a.log.Startf("TLS", "certificate %s, valid until %s, SHA-256 fingerprint %s",
		certPath, leaf.NotAfter.UTC().Format("2006-01-02"), tlsconf.Fingerprint(leaf))
	a.tlsConfig = store.ServerConfig()
	return nil
}

// smtpTLS is the SMTP server's TLS settings; implicit for the SMTPS port.
func (a *app) smtpTLS(implicit bool) smtp.TLSOptions {
	return smtp.TLSOptions{
		Config: a.tlsConfig, Implicit: implicit,
		RequireForAuth: a.cfg.TLS.RequireForAuth, RequireTLS: a.cfg.TLS.SMTPRequire,
		Exempt: a.cfg.RelayIPs, HandshakeTimeout: a.cfg.TLS.HandshakeTimeout,
	}
}

// pop3TLS is the POP3 server's TLS settings; implicit for the POP3S port.
func (a *app) pop3TLS(implicit bool) pop3.TLSOptions {
	return pop3.TLSOptions{Config: a.tlsConfig, Implicit: implicit,
		RequireForAuth: a.cfg.TLS.RequireForAuth, HandshakeTimeout: a.cfg.TLS.HandshakeTimeout}
}

// tlsComponents are the extra listeners of the instance: submission and
// SMTPS with the SMTP instance, POP3S with the POP3 instance. Each is a
// server of its own on the shared tree, stopped with the others. With TLS
// off, submission still runs (without STARTTLS); the implicit-TLS ports
// cannot, and are left out with a warning.
func (a *app) tlsComponents() ([]component, error) {
	var comps []component
	t := a.cfg.TLS
	noTLS := func(key string, port int) bool {
		if port != config.PortOff && a.tlsConfig == nil {
			a.log.Warnf("", "%s=%d is ignored: TLS is off (TLSEnabled=False or /NOTLS)", key, port)
			return true
		}
		return port == config.PortOff
	}
	if a.cfg.Mode == config.ModePOP {
		if noTLS("POP3SPort", t.POP3SPort) {
			return nil, nil
		}
		pt := a.pop3TLS(true)
		pt.IDPrefix = "tls"
		c, err := a.pop3Listener("POP3S", t.POP3SPort, "POP3SPort", pt)
		return append(comps, c), err
	}
	for _, l := range []struct {
		name, key        string
		port             int
		implicit, submit bool
	}{
		{"submission", "SubmissionPort", t.SubmissionPort, false, true},
		{"SMTPS", "SMTPSPort", t.SMTPSPort, true, false},
	} {
		if l.port == config.PortOff || (l.implicit && noTLS(l.key, l.port)) {
			continue
		}
		c, err := a.smtpListener(l.name, l.port, l.key, l.implicit, l.submit)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}
	return comps, nil
}

// smtpListener is one more SMTP server: submission (RFC 6409: AUTH before
// MAIL) or SMTPS (RFC 8314: TLS from the first byte).
func (a *app) smtpListener(name string, port int, key string, implicit, submit bool) (component, error) {
	o := a.smtpOptions()
	o.TLS = a.smtpTLS(implicit)
	o.TLS.IDPrefix = "sub"
	if implicit {
		o.TLS.IDPrefix = "tls"
	}
	if submit {
		o.SMTP.AuthRequired = true // RFC 6409 §4.3 / RFC 4954 §6
	}
	srv, err := smtp.New(o)
	if err != nil {
		return component{}, err
	}
	ln, err := listen(a.cfg, port, key)
	if err != nil {
		return component{}, err
	}
	a.log.Startf("SMTP", "listening on %s (%s)", ln.Addr(), name)
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		a.extraSMTP = append(a.extraSMTP, ap)
	}
	return component{name: "SMTP server (" + name + ")", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}

// pop3Listener is one more POP3 server (POP3S).
func (a *app) pop3Listener(name string, port int, key string, t pop3.TLSOptions) (component, error) {
	o := a.pop3Options()
	o.TLS = t
	srv, err := pop3.New(o)
	if err != nil {
		return component{}, err
	}
	ln, err := listen(a.cfg, port, key)
	if err != nil {
		return component{}, err
	}
	a.log.Startf("POP3", "listening on %s (%s)", ln.Addr(), name)
	return component{name: "POP3 server (" + name + ")", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}
