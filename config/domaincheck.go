package config

import (
	"fmt"
	"strings"
)

// A server with no local domain treats every recipient as external: mail to
// its own accounts is refused (550 relaying denied) or queued for the MXA
// and never reaches a mailbox. Nothing in the protocol says why, so these
// checks say it on the console, where a new administrator looks.

// DomainOf returns the domain of an account address, lower-case; an address
// literal keeps its brackets ("a@[127.0.0.1]" gives "[127.0.0.1]"), as
// AllDomains lists it.
func DomainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	return lower(addr[at+1:])
}

// DomainKeyValue is domain as a [Domains] value: an address literal is
// written without its brackets (Domain1=127.0.0.1).
func DomainKeyValue(domain string) string {
	if len(domain) > 1 && domain[0] == '[' && domain[len(domain)-1] == ']' {
		return domain[1 : len(domain)-1]
	}
	return domain
}

// Serves reports whether mail to domain is delivered to this server's
// mailboxes: whether it is HostDomain or listed in [Domains].
func (c *Config) Serves(domain string) bool {
	domain = lower(domain)
	for _, d := range c.AllDomains() {
		if d == domain {
			return true
		}
	}
	return false
}

// DomainWarnings returns the start-up warnings about local domains for the
// SMTP instance, which delivers mail: none at all, or accounts (the [Users]
// addresses) whose domain is not one of them. The POP3 instance gets none.
func (c *Config) DomainWarnings(accounts []string) []string {
	if c.Mode != ModeSMTP || c.Capture.On { // capture mode files every domain's mail
		return nil
	}
	where := c.INIPath
	if where == "" {
		where = "mailq.ini"
	}
	if len(c.AllDomains()) == 0 {
		return []string{fmt.Sprintf("no local domains: [Config] HostDomain is not set and [Domains] is empty, "+
			"so every recipient counts as external and no mail is delivered to a mailbox; "+
			"set HostDomain=your.domain under [Config] in %s (or Domain1=... under [Domains]) and restart", where)}
	}
	var order []string
	byDomain := map[string][]string{}
	for _, a := range accounts {
		d := DomainOf(a)
		if d == "" || c.Serves(d) {
			continue
		}
		if byDomain[d] == nil {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], a)
	}
	var out []string
	for _, d := range order {
		out = append(out, fmt.Sprintf("%s %s: %s is not a local domain (%s), so %s never reaches a mailbox here; "+
			"to receive it, add Domain%d=%s under [Domains] in %s and restart",
			plural(len(byDomain[d]), "account", "accounts"), strings.Join(byDomain[d], ", "), d,
			strings.Join(c.AllDomains(), ", "), plural(len(byDomain[d]), "its mail", "their mail"),
			c.NextDomainKey(), DomainKeyValue(d), where))
	}
	return out
}

// NextDomainKey is the number of the next [Domains] key to add: one above
// the highest DomainN in the file, so that an added line never repeats one.
func (c *Config) NextDomainKey() int { return c.domainKeys + 1 }

// domainKeyNumber is N of "DomainN", or 0.
func domainKeyNumber(key string) int {
	if !numbered(key, "Domain") {
		return 0
	}
	n, _ := parseUint(key[len("Domain"):])
	return int(n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
