package main

import (
	"context"
	"net/netip"

	"mailq/web"
)

// webComponent wires the web instance (package web): mailboxes and queue
// in a browser, and the JSON API, on WebBind:WebPort.
func (a *app) webComponent() (component, error) {
	srv, err := web.New(web.Options{
		Tree:       a.tree,
		Users:      a.users,
		Log:        a.log,
		Admins:     a.cfg.Web.Admins,
		LoginLocal: a.cfg.Web.LoginLocal,
		// TLS: nil serves plain HTTP. Once the mail servers' certificate
		// settings exist, main passes the same *tls.Config here.
		TLS:       nil,
		FailDelay: failDelay,
		Version:   version,
	})
	if err != nil {
		return component{}, err
	}
	ln, err := listenAt(a.cfg, a.cfg.Web.Bind, a.cfg.Web.Port, "WebPort")
	if err != nil {
		return component{}, err
	}
	a.log.Startf("Web", "listening on %s (open http://%s/ in a browser)", ln.Addr(), ln.Addr())
	if ip, err := netip.ParseAddr(a.cfg.Web.Bind); err != nil || !ip.IsLoopback() {
		a.log.Warnf("Web", "WebBind=%s reaches beyond this computer over plain HTTP: logins and mail travel unencrypted; put a TLS proxy in front", orStar(a.cfg.Web.Bind))
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
