package main

import (
	"context"
	"crypto/tls"
	"net/netip"

	"mailq/web"
)

// webComponent wires the web instance (package web): mailboxes and queue
// in a browser, and the JSON API, on WebBind:WebPort.
func (a *app) webComponent() (component, error) {
	// HTTPS with the mail servers' certificate only when one is configured:
	// a browser shows a warning page for the self-signed one, which would
	// turn the quick start's http://127.0.0.1:8025 into an error.
	var tlsCfg *tls.Config
	scheme := "http"
	if a.cfg.TLS.Enabled && a.cfg.TLS.CertFile != "" {
		tlsCfg, scheme = a.tlsConfig, "https"
	}
	srv, err := web.New(web.Options{
		Tree:       a.tree,
		Users:      a.users,
		Log:        a.log,
		Admins:     a.cfg.Web.Admins,
		LoginLocal: a.cfg.Web.LoginLocal,
		TLS:        tlsCfg,
		FailDelay:  failDelay,
		Version:    version,
	})
	if err != nil {
		return component{}, err
	}
	ln, err := listenAt(a.cfg, a.cfg.Web.Bind, a.cfg.Web.Port, "WebPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("Web", "listening on %s (open %s://%s/ in a browser)", ln.Addr(), scheme, ln.Addr())
	if ip, err := netip.ParseAddr(a.cfg.Web.Bind); tlsCfg == nil && (err != nil || !ip.IsLoopback()) {
		a.log.Warnf("Web", "WebBind=%s reaches beyond this computer over plain HTTP: logins and mail travel unencrypted; set TLSCert= and TLSKey= (or put a TLS proxy in front)", orStar(a.cfg.Web.Bind))
	}
	return component{name: "web server", run: func(ctx context.Context) error {
		return srv.Serve(ctx, ln)
	}}, nil
}

func orStar(bind string) string {
	if bind == "" {
		return "*"
	}
	return bind
}
