package config

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"mailq/address"
)

// Checks of host names, domains and addresses. They are deliberately small:
// config only has to refuse what can never work; the address package parses
// mail paths in full.

// checkLabels reports whether s is dot-separated labels of letters, digits
// and hyphens (plus underscore when under is set), each 1..63 bytes and not
// starting or ending with a hyphen, 253 bytes at most in all.
func checkLabels(s string, under bool) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				c == '-' || under && c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}

// parseDomain reads a domain name: lower-cased, without a trailing dot.
// Internationalised names must be written in their xn-- form.
func parseDomain(v string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(v, "."))
	if !checkLabels(d, false) {
		return "", expected("a domain name such as example.com (letters, digits, hyphens and dots; write an international name in its xn-- form)")
	}
	return d, nil
}

// parseLocalDomain reads a [Domains] entry: a domain name, or an IP address
// (the manual suggests listing 127.0.0.1), kept in the address-literal form
// a mail address uses after its '@' (RFC 5321 §4.1.3).
func parseLocalDomain(v string) (string, error) {
	if a, err := parseIP(v); err == nil {
		return addressLiteral(a), nil
	}
	if strings.HasPrefix(strings.ToLower(v), "[ipv6:") && strings.HasSuffix(v, "]") {
		if a, err := netip.ParseAddr(v[6 : len(v)-1]); err == nil && a.Is6() {
			return addressLiteral(a), nil
		}
	}
	d, err := parseDomain(v)
	if err != nil {
		return "", expected("a domain name such as example.com, or an IP address")
	}
	return d, nil
}

// addressLiteral writes a as the domain part of a mail address:
// "[127.0.0.1]" or "[IPv6:::1]" (RFC 5321 §4.1.3).
func addressLiteral(a netip.Addr) string {
	a = a.Unmap()
	if a.Is4() {
		return "[" + a.String() + "]"
	}
	return "[IPv6:" + a.WithZone("").String() + "]"
}

// parseHostName reads HostName: a host or domain name as announced in
// greetings and in EHLO (a NETBIOS-style name like BART is accepted), or an
// address literal such as [192.0.2.1]. Case is kept.
func parseHostName(v string) (string, error) {
	if strings.HasPrefix(v, "[") {
		if a, err := parseIP(v); err == nil {
			return addressLiteral(a), nil
		}
	}
	s := strings.TrimSuffix(v, ".")
	if !checkLabels(s, true) {
		return "", expected("a host name such as mail.example.com (letters, digits, hyphens and dots)")
	}
	return s, nil
}

// parseHostPort reads host[:port] (also [IPv6]:port or a bare IPv6 address)
// and returns "host:port" with defPort filled in. The host is a name or an
// IP address literal.
func parseHostPort(v string, defPort int) (string, error) {
	bad := expected("host or host:port, such as smtp.example.com:587")
	host, port := v, defPort
	if a, err := netip.ParseAddr(v); err == nil {
		host = a.String()
	} else if h, p, err := net.SplitHostPort(v); err == nil {
		n, perr := parsePort(p)
		if perr != nil {
			return "", perr
		}
		host, port = h, n
	}
	if host == "" {
		return "", bad
	}
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.Unmap().String()
	} else if !checkLabels(strings.TrimSuffix(host, "."), true) {
		return "", bad
	}
	return net.JoinHostPort(strings.TrimSuffix(host, "."), strconv.Itoa(port)), nil
}

// localPartOK reports whether s can be the bare local part of an
// [EmailAlias] alias ("postmaster"): what address.ParseMailboxName accepts
// before '@'.
func localPartOK(s string) bool {
	_, err := address.ParseMailboxName(s + "@x")
	return err == nil
}

// parseAddress reads an account address with address.ParseAccount, the one
// parser that the account commands use too.
func parseAddress(v string) (string, error) { return parseWith(address.ParseAccount, v) }

// parseMailbox reads an address of [EmailAlias] with
// address.ParseMailboxName: an account's, or one that only names a folder.
func parseMailbox(v string) (string, error) { return parseWith(address.ParseMailboxName, v) }

func parseWith(parse func(string) (string, error), v string) (string, error) {
	a, err := parse(v)
	if err != nil {
		var ae *address.AccountError
		errors.As(err, &ae)
		return "", expected("an address such as admin@example.com (%s)", ae.Why)
	}
	return a, nil
}

// parseAliasName reads the alias side of an [EmailAlias] entry: a full
// address, or a bare local part such as "postmaster" that applies at every
// local domain.
func parseAliasName(v string) (string, error) {
	if !strings.Contains(v, "@") {
		if l := strings.ToLower(v); localPartOK(l) {
			return l, nil
		}
		return "", expected("an address such as sales@example.com or a bare name such as postmaster")
	}
	return parseMailbox(v)
}
