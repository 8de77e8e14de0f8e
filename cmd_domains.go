package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailq/config"
	"mailq/inifile"
	"mailq/lockfile"
)

// domainAdvice follows /ADDUSER of addr: mail to an account whose domain
// this server does not serve never reaches its mailbox (it is refused as
// relaying, or queued for the MXA), and nothing else would say so. With no
// local domain at all (a copied mailq.ini.example) the account's domain
// becomes the first, and it says so; otherwise it says how to add it.
func domainAdvice(cfg *config.Config, addr string, stdout, stderr io.Writer) {
	d := config.DomainOf(addr)
	if d == "" || cfg.Serves(d) {
		return
	}
	value := config.DomainKeyValue(d)
	if len(cfg.AllDomains()) > 0 {
		fmt.Fprintf(stderr, "mailq: warning: %s is not a local domain of this server (%s): %s can log in, "+
			"but mail to it is not delivered to its mailbox; to receive it here, add Domain%d=%s under [Domains] in %s%s\n",
			d, strings.Join(cfg.AllDomains(), ", "), addr, cfg.NextDomainKey(), value, cfg.INIPath, restartNote(cfg))
		return
	}
	key, err := addDomain(cfg.INIPath, value)
	if err != nil {
		fmt.Fprintf(stderr, "mailq: warning: this server has no local domain, so mail to %s is not delivered to its mailbox, "+
			"and adding %s to [Domains] failed: %v; add Domain1=%s under [Domains] in %s by hand\n", addr, d, err, value, cfg.INIPath)
		return
	}
	fmt.Fprintf(stdout, "mailq: added %s=%s to [Domains] in %s: HostDomain was not set and [Domains] was empty, "+
		"so no mail was delivered to any mailbox; now mail to %s is delivered to its mailbox%s\n", key, value, cfg.INIPath, addr, restartNote(cfg))
}

// addDomain appends value to [Domains] under the next free DomainN key,
// unless another process added it meanwhile; it returns the key used.
func addDomain(ini, value string) (string, error) {
	var key string
	err := inifile.Edit(ini, "Domains", nil, func(es []inifile.Entry) ([]inifile.Entry, error) {
		next := 1
		for _, e := range es {
			if strings.EqualFold(strings.TrimSpace(e.Value), value) {
				key = e.Key
				return es, nil
			}
			if n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(e.Key), "domain")); err == nil && n >= next {
				next = n + 1
			}
		}
		key = "Domain" + strconv.Itoa(next)
		return append(es, inifile.Entry{Key: key, Value: value}), nil
	})
	return key, err
}

// restartNote ends the advice when an SMTP instance runs from this folder:
// it reads [Domains] only when it starts.
func restartNote(cfg *config.Config) string {
	o, err := lockfile.Read(cfg.Paths.SMTPLock)
	if err != nil || !o.Running() {
		return ""
	}
	return fmt.Sprintf("; the SMTP instance running now (pid %d) reads [Domains] only when it starts: restart it (%s /stop, then start it again)", o.PID, exeName())
}
