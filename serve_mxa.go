package main

import (
	"net/netip"
	"strings"

	"mailq/mxa"
	"mailq/resolve"
)

// mxaComponent wires the Mail Exchange Agent (package mxa) into the SMTP
// instance. It wakes when the MDA writes a set into the external queue
// (mxaWake), rescans that queue every Server.Nice, and wakes the MDA when it
// writes a failure notice into the incoming queue.
func (a *app) mxaComponent() (component, error) {
	opt := mxa.Options{
		Tree:        a.tree,
		Log:         a.log,
		MXA:         a.cfg.MXA,
		LocalMX:     a.cfg.LocalMX,
		TLS:         a.cfg.TLS, // per-route TLS policies
		HostName:    a.cfg.Server.HostName,
		LocalDomain: a.cfg.LocalDomain,
		Listen:      a.smtpListen(),
		Wake:        a.mxaWake,
		Rescan:      a.cfg.Server.Nice,
		Bounced:     notifier(a.mdaWake),
		Chaos:       a.chaosPlan(), // serve_sink.go
	}
	if a.cfg.Capture.On {
		opt.Allow = a.cfg.Capture.ReleaseAllowed // only released mail leaves (serve_capture.go)
	}
	// The resolver is made even when the mode needs no DNS, so that a
	// configured host name the system cannot resolve may still be found.
	if r, err := resolve.New(a.cfg.Server.DNSServer); err == nil {
		opt.DNS = r
	} else {
		a.log.Warnf("MXA", "no DNS: %v", err)
	}
	sign, err := a.dkimSigner() // serve_msgauth.go
	if err != nil {
		return component{}, err
	}
	opt.Sign = sign
	agent, err := mxa.New(opt)
	if err != nil {
		return component{}, err
	}
	return component{name: "Mail Exchange Agent", run: agent.Run}, nil
}

// smtpListen is the address the SMTP server listens on, where the agent must
// never deliver: the listener's own address once it listens.
func (a *app) smtpListen() []netip.AddrPort {
	if a.smtpAddr.IsValid() {
		return append([]netip.AddrPort{a.smtpAddr}, a.extraSMTP...)
	}
	return smtpListen(a.cfg.Server.Bind, a.cfg.SMTP.Port)
}

// smtpListen is the address the configuration gives the SMTP server, for
// when it does not listen (yet) in this process; a port of 0 (any free port)
// is unknown to it.
func smtpListen(bind string, port int) []netip.AddrPort {
	if port <= 0 || port > 65535 {
		return nil
	}
	ip := netip.IPv6Unspecified()
	if b := strings.Trim(bind, "[]"); b != "" && b != "*" {
		p, err := netip.ParseAddr(b)
		if err != nil {
			return nil
		}
		ip = p
	}
	return []netip.AddrPort{netip.AddrPortFrom(ip, uint16(port))}
}
