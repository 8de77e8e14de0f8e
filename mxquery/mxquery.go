// Package mxquery is mailq's DNS mail set-up checker, the counterpart of the
// original MailQ kit's mxquery.exe: it shows a domain's mail exchangers in
// the order the MXA would try them, with each host's addresses, and with
// /ALL also the domain's own addresses, the reverse names of the mail
// exchangers' addresses, and its SPF and DMARC records.
//
// It asks through the same resolver as the MXA (package resolve, with
// DNSServer from mailq.ini when set) so what it shows is what the MXA sees.
// Its exit code tells a script what is wrong. It prints only to the writer it
// is given and never touches the mail tree.
package mxquery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"

	"mailq/resolve"
)

// Exit codes.
const (
	ExitOK       = 0 // the domain has mail exchangers with addresses
	ExitUsage    = 1 // bad command line
	ExitNXDomain = 2 // the domain does not exist
	ExitNoMX     = 3 // no MX records: mail goes to the domain's own address (implicit MX)
	ExitNullMX   = 4 // the domain says it accepts no mail (RFC 7505)
	ExitDNS      = 5 // a lookup failed for a temporary reason (time-out, SERVFAIL)
	ExitNoAddr   = 6 // no mail exchanger (or, without MX, the domain itself) has an address
)

// Query is one parsed command line.
type Query struct {
	Domain string
	All    bool
	DNS    string // /DNS:server; "" for mailq.ini's DNSServer or the system's
	INI    string // /INI:path
	Help   bool
}

// Parse reads "domain [/ALL] [/DNS:server] [/INI:path]".
func Parse(args []string) (Query, error) {
	var q Query
	for _, a := range args {
		if len(a) > 1 && (a[0] == '/' || a[0] == '-') {
			name, val, _ := strings.Cut(strings.TrimLeft(a, "/-"), ":")
			switch strings.ToUpper(name) {
			case "ALL":
				q.All = true
			case "DNS":
				q.DNS = val
			case "INI":
				q.INI = val
			case "?", "H", "HELP":
				q.Help = true
			default:
				return q, fmt.Errorf("unknown switch %s", a)
			}
			continue
		}
		if q.Domain != "" {
			return q, fmt.Errorf("one domain at a time (%q and %q given)", q.Domain, a)
		}
		q.Domain = strings.TrimSuffix(strings.ToLower(a), ".")
	}
	if q.Domain == "" && !q.Help {
		return q, errors.New("no domain given")
	}
	return q, nil
}

// Usage is the /? text.
const Usage = `mxquery: show how mail reaches a domain.

  mxquery domain [/ALL] [/DNS:server[:port]] [/INI:path]

  /ALL   also the domain's own addresses, the reverse names of the mail
         exchangers' addresses, and its SPF and DMARC records
  /DNS   ask this DNS server (default: DNSServer in mailq.ini, else the system's)

Exit codes: 0 mail exchangers found, 1 bad command line, 2 no such domain,
3 no MX records (mail goes to the domain's own address), 4 null MX (the domain
accepts no mail), 5 DNS failure or time-out, 6 no mail exchanger has an address.
`

// lookupTime bounds each question, so a dead server cannot hang the tool.
const lookupTime = 5 * time.Second

// Run answers q with r and returns the exit code.
func Run(ctx context.Context, q Query, r *resolve.Resolver, w io.Writer) int {
	fmt.Fprintf(w, "DNS server: %s\n", strings.Join(r.Servers(), ", "))
	code := mailExchangers(ctx, q.Domain, r, w)
	if q.All {
		all(ctx, q.Domain, r, w)
	}
	return code
}

func mailExchangers(ctx context.Context, domain string, r *resolve.Resolver, w io.Writer) int {
	lctx, cancel := context.WithTimeout(ctx, lookupTime)
	mxs, err := r.LookupMX(lctx, domain)
	cancel()
	switch {
	case errors.Is(err, resolve.ErrNoMX):
		fmt.Fprintf(w, "%s has no MX records: mail goes to the domain's own address (RFC 5321 §5.1)\n", domain)
		if addrs := hostAddrs(ctx, domain, r, w, "  "); len(addrs) == 0 {
			return ExitNoAddr
		}
		return ExitNoMX
	case err != nil:
		return failed(domain, err, w)
	}
	fmt.Fprintf(w, "Mail exchangers of %s, in the order they are tried:\n", domain)
	reachable := 0
	for _, mx := range mxs {
		fmt.Fprintf(w, "  %5d %s\n", mx.Pref, mx.Host)
		if len(hostAddrs(ctx, mx.Host, r, w, "        ")) > 0 {
			reachable++
		}
	}
	if reachable == 0 {
		fmt.Fprintf(w, "No mail exchanger of %s has an address: mail cannot be delivered\n", domain)
		return ExitNoAddr
	}
	return ExitOK
}

// failed explains a failed MX lookup and picks its exit code.
func failed(domain string, err error, w io.Writer) int {
	switch {
	case errors.Is(err, resolve.ErrNullMX):
		fmt.Fprintf(w, "%s publishes a null MX (RFC 7505): it accepts no mail\n", domain)
		return ExitNullMX
	case errors.Is(err, resolve.ErrNXDomain):
		fmt.Fprintf(w, "%s does not exist (NXDOMAIN)\n", domain)
		return ExitNXDomain
	case errors.Is(err, resolve.ErrBadName):
		fmt.Fprintf(w, "%q is not a valid domain name\n", domain)
		return ExitUsage
	}
	fmt.Fprintf(w, "The MX lookup of %s failed: %v\n", domain, err)
	return ExitDNS
}

// hostAddrs prints and returns a host's addresses.
func hostAddrs(ctx context.Context, host string, r *resolve.Resolver, w io.Writer, indent string) []netip.Addr {
	lctx, cancel := context.WithTimeout(ctx, lookupTime)
	defer cancel()
	addrs, err := r.LookupIP(lctx, host)
	if err != nil {
		fmt.Fprintf(w, "%s%s: no address (%v)\n", indent, host, err)
		return nil
	}
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	fmt.Fprintf(w, "%s%s\n", indent, strings.Join(s, ", "))
	return addrs
}

// all prints what /ALL adds. Its lookups only inform: they never change the
// exit code, which is about whether mail can be delivered.
func all(ctx context.Context, domain string, r *resolve.Resolver, w io.Writer) {
	fmt.Fprintf(w, "Addresses of %s:\n", domain)
	hostAddrs(ctx, domain, r, w, "  ")
	lctx, cancel := context.WithTimeout(ctx, lookupTime)
	mxs, _ := r.LookupMX(lctx, domain)
	cancel()
	if len(mxs) > 0 {
		fmt.Fprintln(w, "Reverse names of the mail exchangers' addresses:")
	}
	for _, mx := range mxs {
		lctx, cancel := context.WithTimeout(ctx, lookupTime)
		addrs, _ := r.LookupIP(lctx, mx.Host)
		cancel()
		for _, a := range addrs {
			fmt.Fprintf(w, "  %s (%s): %s\n", a, mx.Host, reverse(ctx, a, r))
		}
	}
	txt(ctx, "SPF", domain, "v=spf1", r, w)
	txt(ctx, "DMARC", "_dmarc."+domain, "v=DMARC1", r, w)
}

// reverse returns the PTR names of a, or why there are none.
func reverse(ctx context.Context, a netip.Addr, r *resolve.Resolver) string {
	name, err := dns.ReverseAddr(a.String())
	if err != nil {
		return err.Error()
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTime)
	defer cancel()
	resp, err := r.Query(lctx, name, dns.TypePTR)
	if err != nil {
		return fmt.Sprintf("none (%v)", err)
	}
	var names []string
	for _, rr := range resp.Answer {
		if p, ok := rr.(*dns.PTR); ok {
			names = append(names, strings.TrimSuffix(p.Ptr, "."))
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// txt prints the TXT records of name that start with prefix.
func txt(ctx context.Context, label, name, prefix string, r *resolve.Resolver, w io.Writer) {
	lctx, cancel := context.WithTimeout(ctx, lookupTime)
	defer cancel()
	recs, err := r.LookupTXT(lctx, name)
	var found []string
	for _, t := range recs {
		if strings.HasPrefix(strings.ToLower(t), strings.ToLower(prefix)) {
			found = append(found, t)
		}
	}
	switch {
	case err != nil && !errors.Is(err, resolve.ErrNXDomain) && !errors.Is(err, resolve.ErrNoData):
		fmt.Fprintf(w, "%s (TXT of %s): lookup failed (%v)\n", label, name, err)
	case len(found) == 0:
		fmt.Fprintf(w, "%s (TXT of %s): none\n", label, name)
	default:
		for _, t := range found {
			fmt.Fprintf(w, "%s (TXT of %s): %s\n", label, name, t)
		}
	}
}
