package config

import (
	"fmt"
	"strings"
)

// MsgAuth holds sender authentication (package msgauth): the checks of
// mail from outside and the DKIM keys the MXA signs with.
type MsgAuth struct {
	// SPFPolicy, DKIMPolicy and DMARCPolicy ([Config]) say what each check's
	// failure does: "accept" (check and record in Authentication-Results,
	// the default), "mark" (X-Spam-Flag: YES and the subject tag),
	// "refuse" (5xx for a fail, 4xx for a temperror), "off" (no check);
	// DMARCPolicy also "honour" (the domain's p=reject and p=quarantine).
	SPFPolicy, DKIMPolicy, DMARCPolicy string
	// SpamSubjectTag ([Config]) goes in front of a marked message's
	// subject; "" changes no subject.
	SpamSubjectTag string
	// DKIM is the [DKIM] section: one signing key per domain.
	DKIM []DKIMKey
}

// DKIMKey is one [DKIM] entry: "example.com = selector, keyfile". Mail
// whose From is at Domain is signed by the MXA with the key in KeyFile (a
// PEM private key, RSA or Ed25519; relative to the folder of mailq.ini),
// published at Selector._domainkey.Domain.
type DKIMKey struct {
	Domain, Selector, KeyFile string
}

// authPolicy reads a policy name (the msgauth package's names).
func authPolicy(dmarc bool) func(string) (string, error) {
	return func(v string) (string, error) {
		p := strings.ToLower(v)
		if p == "honor" {
			p = "honour"
		}
		switch {
		case p == "accept", p == "mark", p == "refuse", p == "off":
			return p, nil
		case p == "honour" && dmarc:
			return p, nil
		case dmarc:
			return "", expected("accept, mark, refuse, honour or off")
		}
		return "", expected("accept, mark, refuse or off")
	}
}

// readDKIM reads one [DKIM] entry: domain = selector, keyfile.
func readDKIM(ld *loader, key, v string) error {
	dom, err := parseDomain(key)
	if err != nil {
		return ld.valueErr("DKIM", key, v, expected("a domain as the key, such as example.com = selector, dkim/example.com.selector.key"))
	}
	sel, file, ok := strings.Cut(v, ",")
	sel = strings.ToLower(strings.TrimSpace(sel))
	if !ok || !checkLabels(sel, false) {
		return ld.valueErr("DKIM", key, v, expected("selector, keyfile (such as mail, dkim/%s.mail.key)", dom))
	}
	p, err := resolvePath(ld.base, strings.TrimSpace(file))
	if err != nil || p == "" {
		return ld.valueErr("DKIM", key, v, expected("selector, keyfile (such as mail, dkim/%s.mail.key)", dom))
	}
	if prev := ld.firstSeen("DKIM", dom, key); prev != "" {
		ld.warn("[DKIM] %s is given twice; the first entry counts", dom)
		return nil
	}
	ld.c.MsgAuth.DKIM = append(ld.c.MsgAuth.DKIM, DKIMKey{Domain: dom, Selector: sel, KeyFile: p})
	return nil
}

// DKIMKeyRequest is /DKIMKEY:domain[:selector[:rsa|ed25519]]: make a key
// pair to sign the domain's mail with.
type DKIMKeyRequest struct {
	Domain, Selector string
	Ed25519          bool // an Ed25519 key (RFC 8463) instead of RSA 2048
}

// dkimKeySwitch is /DKIMKEY.
var dkimKeySwitch = switchSpec{names: []string{"DKIMKEY"}, arg: "domain[:selector[:rsa|ed25519]]", group: "Agents (MDA and MXA)",
	help: "make a DKIM key pair for the domain (never over an existing one) and print the DNS record to publish",
	do: func(p *argParser, arg, v string) error {
		parts := strings.Split(v, ":")
		d, err := parseDomain(parts[0])
		if err != nil || len(parts) > 3 {
			return expected("a domain, then optionally :selector and :rsa or :ed25519")
		}
		req := &DKIMKeyRequest{Domain: d, Selector: "mailq"}
		if len(parts) > 1 && parts[1] != "" {
			req.Selector = strings.ToLower(parts[1])
			if !checkLabels(req.Selector, false) {
				return fmt.Errorf("selector %q: %w", parts[1], expected("letters, digits, hyphens and dots"))
			}
		}
		if len(parts) > 2 {
			switch strings.ToLower(parts[2]) {
			case "rsa":
			case "ed25519":
				req.Ed25519 = true
			default:
				return expected("rsa or ed25519 as the key type")
			}
		}
		p.inv.DKIMKey = req
		return nil
	}}

// msgAuthSummary is the start-up summary line of sender authentication.
func (c *Config) msgAuthSummary() string {
	signs := "no DKIM signing"
	if n := len(c.MsgAuth.DKIM); n > 0 {
		var ds []string
		for _, k := range c.MsgAuth.DKIM {
			ds = append(ds, k.Domain)
		}
		signs = "DKIM signing for " + strings.Join(ds, ", ")
	}
	return fmt.Sprintf("Sender checks: SPF %s, DKIM %s, DMARC %s; %s",
		c.MsgAuth.SPFPolicy, c.MsgAuth.DKIMPolicy, c.MsgAuth.DMARCPolicy, signs)
}
