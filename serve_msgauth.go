package main

import (
	"fmt"
	"io"

	"mailq/msgauth"
	"mailq/resolve"
)

// msgAuthChecker is the SMTP servers' sender authentication, made once and
// shared by them all (one DNS cache). Without a DNS server it checks
// nothing, and says so.
func (a *app) msgAuthChecker() *msgauth.Checker {
	if a.msgAuth != nil {
		return a.msgAuth
	}
	m := a.cfg.MsgAuth
	o := msgauth.Options{Host: a.cfg.Server.HostName, SubjectTag: m.SpamSubjectTag}
	if o.Host == "" {
		o.Host = "localhost" // as the SMTP server names itself
	}
	// The values were checked by config: these cannot fail.
	o.SPF, _ = msgauth.ParsePolicy(m.SPFPolicy, false)
	o.DKIM, _ = msgauth.ParsePolicy(m.DKIMPolicy, false)
	o.DMARC, _ = msgauth.ParsePolicy(m.DMARCPolicy, true)
	if o.SPF != msgauth.Off || o.DKIM != msgauth.Off || o.DMARC != msgauth.Off {
		if r, err := resolve.New(a.cfg.Server.DNSServer); err == nil {
			o.DNS = r
		} else {
			a.log.Warnf("SMTP", "no DNS, so no SPF, DKIM or DMARC checks: %v", err)
		}
	}
	a.msgAuth = msgauth.New(o)
	return a.msgAuth
}

// dkimSigner loads the [DKIM] keys for the MXA. A key that cannot be read
// stops the start: mail would otherwise leave unsigned, unnoticed, and
// fail DMARC at the other end.
func (a *app) dkimSigner() (func(io.Reader) (string, error), error) {
	var keys []msgauth.SignKey
	for _, e := range a.cfg.MsgAuth.DKIM {
		k, err := msgauth.LoadKey(e.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mailq: [DKIM] %s: cannot load the signing key: %w", e.Domain, err)
		}
		keys = append(keys, msgauth.SignKey{Domain: e.Domain, Selector: e.Selector, Key: k})
	}
	if len(keys) == 0 {
		return nil, nil
	}
	return msgauth.NewSigner(keys).Sign, nil
}
