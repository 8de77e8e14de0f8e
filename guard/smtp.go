package guard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"mailq/dnsbl"
	"mailq/logs"
	"mailq/policy"
	"mailq/resolve"
	"mailq/smtp"
)

// SMTP is the SMTP instance's Guard.
type SMTP struct {
	*common
	dnsbl    *dnsbl.Checker // nil: DNSBL off
	helo     string         // HELOCheck: "off", "tag" or "refuse"
	ourNames []string
	ourIPs   []netip.Addr
	harvest  *policy.Harvest // unknown recipients per address per hour
}

var _ smtp.Guard = (*SMTP)(nil)

// NewSMTP returns the SMTP instance's Guard. Problems that only weaken a rule
// (no DNS server for the DNSBL, a bad zone) are logged and the rule is left
// out, rather than keeping the server from starting.
func NewSMTP(o Options) *SMTP {
	cfg := o.Config
	g := &SMTP{common: newCommon(o, "SMTP", logs.FileSMTP), helo: strings.ToLower(cfg.Abuse.HELOCheck)}
	g.harvest = policy.NewHarvest(policy.LimitOptions{Trusted: g.trusted, LimitLocal: cfg.Abuse.LimitLocal})
	if cfg.Abuse.DNSBLEnabled && len(cfg.DNSBL) > 0 {
		r, err := resolve.New(cfg.Server.DNSServer)
		if err == nil {
			g.dnsbl, err = dnsbl.New(cfg.DNSBL, r, dnsbl.Options{Trusted: cfg.RelayIPs, Now: o.Now})
		}
		if err != nil {
			g.log.AbuseProblem(logs.FileSMTP, "DNSBL", "", "DNS block lists are off: "+err.Error())
			g.dnsbl = nil
		}
	}
	if g.helo == "tag" || g.helo == "refuse" {
		seen := map[string]bool{}
		for _, n := range append([]string{cfg.Server.HostName, cfg.Server.HostDomain}, cfg.AllDomains()...) {
			if n != "" && !seen[strings.ToLower(n)] {
				seen[strings.ToLower(n)] = true
				g.ourNames = append(g.ourNames, n)
			}
		}
		g.ourIPs = hostIPs()
	}
	return g
}

// hostIPs returns the addresses of this host's network interfaces, for the
// HELO check's "[address literal] that is ours".
func hostIPs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var ips []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			ips = append(ips, p.Addr().Unmap())
		}
	}
	return ips
}

// Refusals. RFC 5321 §3.1 lets a server answer 554 instead of the greeting;
// 421 (§4.2.3) ends a session for a reason that may pass. Enhanced codes:
// RFC 3463 §3.8 (X.7.1 delivery not authorized, X.7.0 other security).
var (
	replyBlocked      = smtp.Reply{Code: 554, Enh: "5.7.1", Close: true}
	replyHarvest      = smtp.Reply{Code: 421, Enh: "4.7.0", Close: true}
	replyConnections  = smtp.Reply{Code: 421, Enh: "4.7.0", Close: true}
	replyAuthFailures = smtp.Reply{Code: 421, Enh: "4.7.0", Close: true, Lines: []string{"Too many failed authentications; closing connection"}}
	replyFailed       = smtp.Reply{Code: 421, Enh: "4.7.0", Close: true, Lines: []string{"Too many failed commands; closing connection"}}
	replyUnknown      = smtp.Reply{Code: 421, Enh: "4.7.0", Close: true, Lines: []string{"Too many unknown recipients; closing connection"}}
)

func with(r smtp.Reply, format string, args ...any) smtp.Reply {
	r.Lines = []string{fmt.Sprintf(format, args...)}
	return r
}

// Connect refuses a client on the block list, one blocked for guessing
// addresses, one over its connection limit, and one a DNSBL lists, in that
// order (cheapest first; the DNS lookups last).
func (g *SMTP) Connect(ctx context.Context, c smtp.Client) (func(), error) {
	ip := c.IP.Unmap()
	if !ip.IsValid() {
		return nil, nil
	}
	if g.blocked(c.Session, ip) {
		return nil, with(replyBlocked, "Access denied: [%s] is on this server's block list", ip)
	}
	if g.limits.Blocked(ip, g.now()) {
		g.log.AbuseRefused(g.file, g.module, c.Session, ip.String(), logs.RuleHarvest, "still blocked for unknown recipients")
		return nil, with(replyHarvest, "[%s] is temporarily blocked for too many unknown recipients; try again later", ip)
	}
	release, ok := g.acquire(c.Session, ip)
	if !ok {
		return nil, with(replyConnections, "Too many connections from [%s]; try again later", ip)
	}
	if g.dnsbl != nil && !g.dnsbl.Exempt(ip) && !g.exempt(ip) {
		res, err := g.dnsbl.Check(ctx, ip)
		for _, s := range res.Skipped {
			if !strings.Contains(s, ": "+dnsbl.HeldBack) { // logged once, when it timed out
				g.log.AbuseProblem(g.file, "DNSBL", c.Session, "DNSBL zone skipped for ["+ip.String()+"]: "+s)
			}
		}
		if err == nil && res.Listed {
			g.log.AbuseRefused(g.file, "DNSBL", c.Session, ip.String(), logs.RuleDNSBL,
				strings.TrimSpace(fmt.Sprintf("listed by %s (%s) %s", res.Zone, res.Code, res.Reason)))
			release()
			return nil, smtp.Reply{Code: dnsbl.ReplyCode, Enh: dnsbl.ReplyEnhanced, Lines: []string{res.Text()}, Close: true}
		}
	}
	return release, nil
}

// AuthFailed bans the client after AutoBan failed AUTH commands.
func (g *SMTP) AuthFailed(c smtp.Client, failures int) error {
	if g.autoBan(c.Session, c.IP.Unmap(), failures) {
		return replyAuthFailures
	}
	return nil
}

// Mail applies the HELO check (HELOCheck=refuse) and the hourly message
// limit before a transaction starts.
func (g *SMTP) Mail(c smtp.Client, from string) error {
	ip := c.IP.Unmap()
	if g.helo == "refuse" {
		if bogus, why := g.checkHELO(c); bogus {
			g.log.AbuseRefused(g.file, g.module, c.Session, ip.String(), logs.RuleHELO, fmt.Sprintf("HELO %q: %s", c.Helo, why))
			return smtp.Reply{Code: 550, Enh: "5.7.1", Lines: []string{fmt.Sprintf("HELO/EHLO name %q refused: %s", clip(c.Helo), why)}}
		}
	}
	if ip.IsValid() && !g.limits.MessageAllowed(ip, g.now()) {
		g.log.AbuseRefused(g.file, g.module, c.Session, ip.String(), logs.RuleMessages,
			fmt.Sprintf("%d messages in the last hour (MaxMessagesPerIPHour)", g.abuse.MaxMessagesPerIPHour))
		return smtp.Reply{Code: 452, Enh: "4.7.0", Lines: []string{fmt.Sprintf("Too many messages from [%s] this hour; try again later", ip)}}
	}
	return nil
}

// Tags returns the header fields HELOCheck=tag adds to a message: one
// X-HELO-Warning naming what is wrong with the HELO name.
func (g *SMTP) Tags(c smtp.Client) []string {
	if g.helo != "tag" {
		return nil
	}
	bogus, why := g.checkHELO(c)
	if !bogus {
		return nil
	}
	g.log.AbuseTagged(g.file, g.module, c.Session, c.IP.Unmap().String(), logs.RuleHELO, fmt.Sprintf("HELO %q: %s", c.Helo, why))
	return []string{fmt.Sprintf("X-HELO-Warning: %q from [%s]: %s", clip(c.Helo), c.IP.Unmap(), why)}
}

// checkHELO looks at the HELO name of an unauthenticated client that is not
// local (loopback, [RelayIPs]).
func (g *SMTP) checkHELO(c smtp.Client) (bool, string) {
	if c.User != "" {
		return false, "" // a logged-in user is known whatever the machine calls itself
	}
	ip := c.IP.Unmap()
	if ip.IsLoopback() || g.trusted.Contains(ip) {
		// Local programs and LAN devices (a scanner saying "EHLO
		// 192.168.1.50") are known by their address, whatever they say.
		return false, ""
	}
	return policy.CheckHELO(c.Helo, g.ourNames, g.ourIPs)
}

// MayRelay trusts [RelayIPs] and, for POPBeforeSMTPMinutes after a POP3
// login, the address that logged in.
func (g *SMTP) MayRelay(c smtp.Client) bool {
	ip := c.IP.Unmap()
	if !ip.IsValid() {
		return false
	}
	if g.trusted.Contains(ip) {
		return true
	}
	// Never loopback through POP-before-SMTP (see POP3.LoggedIn), even if
	// the file names it.
	return g.tracker != nil && !ip.IsLoopback() && g.tracker.Allowed(ip, g.now())
}

// UnknownRecipient blocks a client for policy.HarvestBlock once a session,
// or its address over the last hour across sessions, names
// MaxUnknownRecipients unknown local users (directory harvest), whether or
// not RefileUnknownUsers accepts them.
func (g *SMTP) UnknownRecipient(c smtp.Client, rcpt string, unknown int) error {
	limit := g.abuse.MaxUnknownRecipients
	ip := c.IP.Unmap()
	if limit <= 0 || !ip.IsValid() {
		return nil
	}
	hour := g.harvest.Add(ip, g.now())
	if unknown < limit && hour < limit {
		return nil
	}
	detail := fmt.Sprintf("%d unknown recipients in one session, the last <%s>", unknown, clip(rcpt))
	if hour > unknown {
		detail = fmt.Sprintf("%d unknown recipients in the last hour, the last <%s>", hour, clip(rcpt))
	}
	if g.exempt(ip) {
		if unknown == limit {
			g.log.AbuseExempt(g.file, g.module, c.Session, ip.String(), logs.RuleUnknownRcpts, detail)
		}
		return nil
	}
	g.limits.BlockFor(ip, policy.HarvestBlock, g.now())
	g.log.AbuseRefused(g.file, g.module, c.Session, ip.String(), logs.RuleUnknownRcpts, detail+"; blocked for "+policy.HarvestBlock.String())
	return replyUnknown
}

// Message counts a message against MaxMessagesPerIPHour after the final dot;
// over the limit it is refused and nothing is kept.
func (g *SMTP) Message(c smtp.Client, size int64, rcpts int) error {
	ip := c.IP.Unmap()
	if ip.IsValid() && !g.limits.AllowMessage(ip, g.now()) {
		g.log.AbuseRefused(g.file, g.module, c.Session, ip.String(), logs.RuleMessages,
			fmt.Sprintf("%d messages in the last hour (MaxMessagesPerIPHour)", g.abuse.MaxMessagesPerIPHour))
		return smtp.Reply{Code: 452, Enh: "4.7.0", Lines: []string{fmt.Sprintf("Too many messages from [%s] this hour; try again later", ip)}}
	}
	return nil
}

// FailedCommand ends a session at its MaxFailedCommands-th failed command.
func (g *SMTP) FailedCommand(c smtp.Client, failures int) error {
	if g.tooManyFailed(c.Session, c.IP.Unmap(), failures) {
		return replyFailed
	}
	return nil
}

// clip shortens client-supplied text for a reply or log line.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
