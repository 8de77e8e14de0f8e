package msgauth

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// DefaultTimeout bounds each check's DNS lookups: all of SPF's, or all of
// DKIM's and DMARC's for one message.
const DefaultTimeout = 20 * time.Second

// maxSignatures is how many DKIM signatures of one message are verified;
// each may cost a DNS lookup and a public-key operation.
const maxSignatures = 5

// Options configure a Checker.
type Options struct {
	SPF, DKIM, DMARC Policy
	// Host is our authserv-id in Authentication-Results (RFC 8601 §2.5):
	// the server's HostName.
	Host string
	// SubjectTag is put in front of the subject of a marked message.
	SubjectTag string
	// DNS asks the questions; nil checks nothing (every check is Off).
	DNS Querier
	// Timeout bounds each check's lookups; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Checker runs the checks. It is safe for concurrent use.
type Checker struct {
	opt Options
	dns *cachedDNS
}

// New returns a Checker; with no DNS every check is off.
func New(o Options) *Checker {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	c := &Checker{opt: o}
	if o.DNS == nil {
		c.opt.SPF, c.opt.DKIM, c.opt.DMARC = Off, Off, Off
	} else {
		c.dns = newCachedDNS(o.DNS)
	}
	return c
}

// Enabled reports whether any check runs.
func (c *Checker) Enabled() bool {
	return c != nil && (c.opt.SPF != Off || c.opt.DKIM != Off || c.opt.DMARC != Off)
}

// SPFOutcome is the SPF result of a transaction (RFC 7208 §2.6).
type SPFOutcome struct {
	Result     string // "" when not checked; pass, fail, softfail, neutral, none, temperror, permerror
	Domain     string // the domain checked: MAIL FROM's, or HELO's for the null sender
	From       string // the MAIL FROM address; "" for the null sender
	Helo       string
	HeloResult string // the HELO identity's result (§2.3); "" when not checked
	IP         netip.Addr
	Reason     string
}

// CheckSPF checks the HELO identity and then MAIL FROM (RFC 7208 §2.3,
// §2.4; for the null sender the HELO result is MAIL FROM's) and returns the
// outcome and SPFPolicy's verdict on it.
func (c *Checker) CheckSPF(ctx context.Context, ip netip.Addr, helo, from string) (SPFOutcome, Verdict) {
	out := SPFOutcome{From: from, Helo: helo, IP: ip}
	if c == nil || c.opt.SPF == Off {
		return out, Verdict{}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	opts := []spf.Option{spf.WithResolver(c.dns), spf.WithContext(ctx)}
	nip := net.IP(ip.AsSlice())
	if isDomain(helo) {
		r, err := spf.CheckHostWithSender(nip, helo, "postmaster@"+helo, opts...)
		out.HeloResult = string(r)
		if from == "" {
			out.Result, out.Domain, out.Reason = string(r), helo, errText(err)
		}
	}
	if from != "" {
		_, dom, _ := strings.Cut(from, "@")
		r, err := spf.CheckHostWithSender(nip, helo, from, opts...)
		out.Result, out.Domain, out.Reason = string(r), strings.ToLower(dom), errText(err)
	}
	if out.Result == "" {
		out.Result = "none" // null sender and a HELO that is no domain: nothing to check
	}
	return out, spfVerdict(c.opt.SPF, out)
}

// isDomain reports whether a HELO argument names a domain (not an address
// literal), so that its SPF record can be looked up.
func isDomain(helo string) bool {
	return strings.Contains(helo, ".") && !strings.HasPrefix(helo, "[") && net.ParseIP(helo) == nil
}

// errText is the library's explanation, for the log and reason=.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// DKIMOutcome is one verified signature.
type DKIMOutcome struct {
	Result string // pass, fail (permfail), temperror, or none for no signature
	Domain string // d=
	Reason string
}

// DMARCOutcome is the DMARC result of a message (RFC 7489 §6.6).
type DMARCOutcome struct {
	Result string // "" when not checked; pass, fail, none, temperror, permerror
	Domain string // the RFC 5322.From domain
	Policy string // the policy that applies (p=, or sp= for a subdomain); "" when none
}

// Results are all the checks of one message, for the header and the log.
type Results struct {
	SPF   SPFOutcome
	DKIM  []DKIMOutcome // empty when not checked
	DMARC DMARCOutcome
}

// DKIMResult sums up the signatures: pass when one passed, else temperror
// when one could not be checked for now, else fail, or none without any.
func (r Results) DKIMResult() string {
	if len(r.DKIM) == 0 {
		return ""
	}
	best := "none"
	for _, d := range r.DKIM {
		switch {
		case d.Result == "pass":
			return "pass"
		case d.Result == "temperror":
			best = "temperror"
		case d.Result == "fail" && best == "none":
			best = "fail"
		}
	}
	return best
}

// CheckMessage verifies the DKIM signatures of msg (the whole message as
// stored) and evaluates DMARC with the transaction's SPF outcome. It
// returns the results and the strongest verdict of the three policies.
func (c *Checker) CheckMessage(ctx context.Context, msg []byte, s SPFOutcome) (Results, Verdict) {
	res := Results{SPF: s}
	if c == nil {
		return res, Verdict{}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	v := spfVerdict(c.opt.SPF, s)
	if c.opt.DKIM != Off || c.opt.DMARC != Off {
		res.DKIM = c.verifyDKIM(ctx, msg)
	}
	if c.opt.DKIM != Off {
		v = worse(v, dkimVerdict(c.opt.DKIM, res.DKIMResult()))
	}
	if c.opt.DMARC != Off {
		res.DMARC = c.checkDMARC(ctx, msg, res)
		v = worse(v, dmarcVerdict(c.opt.DMARC, res.DMARC))
	}
	return res, v
}

// verifyDKIM checks every signature (at most maxSignatures).
func (c *Checker) verifyDKIM(ctx context.Context, msg []byte) []DKIMOutcome {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: c.dns.txtFunc(ctx), MaxVerifications: maxSignatures})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		return []DKIMOutcome{{Result: "permerror", Reason: err.Error()}}
	}
	if len(vs) == 0 {
		return []DKIMOutcome{{Result: "none"}}
	}
	out := make([]DKIMOutcome, 0, len(vs))
	for _, v := range vs {
		o := DKIMOutcome{Result: "pass", Domain: strings.ToLower(v.Domain)}
		switch {
		case v.Err == nil:
		case dkim.IsTempFail(v.Err):
			o.Result, o.Reason = "temperror", v.Err.Error()
		default:
			o.Result, o.Reason = "fail", v.Err.Error()
		}
		out = append(out, o)
	}
	return out
}

// checkDMARC finds the From domain's policy (RFC 7489 §6.6.3) and checks
// that SPF or DKIM passed for an aligned domain (§3.1).
func (c *Checker) checkDMARC(ctx context.Context, msg []byte, res Results) DMARCOutcome {
	from, ok := fromDomain(msg)
	if !ok {
		return DMARCOutcome{Result: "permerror"} // §6.6.1: no single author domain
	}
	out := DMARCOutcome{Domain: from}
	org := orgDomain(from)
	lookup := &dmarc.LookupOptions{LookupTXT: c.dns.txtFunc(ctx)}
	rec, err := dmarc.LookupWithOptions(from, lookup)
	sub := false
	if errors.Is(err, dmarc.ErrNoPolicy) && org != from {
		rec, err = dmarc.LookupWithOptions(org, lookup) // §6.6.3 step 3
		sub = true
	}
	switch {
	case errors.Is(err, dmarc.ErrNoPolicy):
		out.Result = "none"
		return out
	case dmarc.IsTempFail(err):
		out.Result = "temperror"
		return out
	case err != nil:
		out.Result = "permerror"
		return out
	}
	out.Policy = string(rec.Policy)
	if sub && rec.SubdomainPolicy != "" {
		out.Policy = string(rec.SubdomainPolicy)
	}
	out.Result = "fail"
	if res.SPF.Result == "pass" && aligned(res.SPF.Domain, from, rec.SPFAlignment) {
		out.Result = "pass"
	}
	for _, d := range res.DKIM {
		if d.Result == "pass" && aligned(d.Domain, from, rec.DKIMAlignment) {
			out.Result = "pass"
		}
	}
	return out
}

// aligned compares an authenticated domain with the From domain: equal in
// strict mode, the same organizational domain in relaxed mode (§3.1.1).
func aligned(auth, from string, mode dmarc.AlignmentMode) bool {
	auth = strings.ToLower(auth)
	if mode == dmarc.AlignmentStrict {
		return auth == from
	}
	return auth != "" && orgDomain(auth) == orgDomain(from)
}

// orgDomain is the organizational domain (§3.2): the public suffix and one
// label more.
func orgDomain(d string) string {
	if o, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return o
	}
	return d
}
