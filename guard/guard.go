// Package guard puts the abuse controls in front of the SMTP and POP3
// servers: it implements smtp.Guard and pop3.Guard with the block list
// (ipblock.txt), auto-ban, the per-IP limits, trusted relay addresses
// ([RelayIPs]), POP-before-SMTP and the HELO check of package policy, and the
// DNS block lists of package dnsbl.
//
// It owns the decisions "which rule applies to which client at which point of
// a session", the reply each refusal gets and the log line that names the rule.
// It must not keep abuse state of its own (that is package policy's, shared
// with the other instance through files), write files except through policy,
// read or write sockets, or decide relaying by itself: the SMTP server applies
// the SMTPRelay table and asks MayRelay only whether an unauthenticated
// client counts as internal.
//
// It also applies the login limits (logins.go): failed logins over SMTP AUTH
// and POP3 counted together, across sessions and instances, in policy's
// shared file; the guessing address is blocked first, and an account is
// locked, for LockoutMinutes only, when many addresses guess it.
//
// Everything is as permissive as the defaults say: a rule whose key is 0,
// empty or off never acts. Loopback and [RelayIPs] clients are never looked
// up in DNSBLs nor HELO-checked, and are exempt from the per-IP limits,
// auto-ban, harvest blocking and the address rules of the login limits (not
// the account lock) unless Abuse.LimitLocal is set (it makes
// loopback testable and a LAN accountable); the block list applies to
// everyone, since an administrator wrote it. POP-before-SMTP never trusts a
// loopback address: behind a proxy on this host, everyone is loopback.
package guard

import (
	"fmt"
	"net/netip"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/policy"
)

// Options are what a guard is built from.
type Options struct {
	Config *config.Config
	Log    *logs.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// staleTemp is how old a temporary file of ipblock.txt or the
// POP-before-SMTP file must be before the start-up clean-up removes it: far
// longer than any write, so a write of the other instance is never touched.
const staleTemp = 10 * time.Minute

// common is the state both guards share: one instance's policy objects.
type common struct {
	abuse   config.Abuse
	log     *logs.Logger
	file    logs.File
	module  string
	blockOn bool              // IPBlockEnabled: check the list at connect
	block   *policy.BlockList // also used to write bans when checks are off
	trusted *policy.Trusted
	limits  *policy.Limiter
	tracker *policy.Tracker
	logins  *policy.Logins // failed logins shared by both instances; nil: no rule on
	now     func() time.Time
}

func newCommon(o Options, by string, file logs.File) *common {
	cfg := o.Config
	g := &common{
		abuse:   cfg.Abuse,
		log:     o.Log,
		file:    file,
		module:  by,
		blockOn: cfg.Abuse.IPBlockEnabled && cfg.Paths.IPBlock != "",
		trusted: policy.NewTrusted(cfg.RelayIPs),
		now:     o.Now,
	}
	if g.log == nil {
		g.log = logs.Discard()
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.limits = policy.NewLimiter(policy.LimitOptions{
		MaxConnections:     cfg.Abuse.MaxConnectionsPerIP,
		MaxMessagesPerHour: cfg.Abuse.MaxMessagesPerIPHour,
		Trusted:            g.trusted,
		LimitLocal:         cfg.Abuse.LimitLocal,
	})
	if cfg.Paths.IPBlock != "" {
		g.block = policy.NewBlockList(cfg.Paths.IPBlock, policy.BlockListOptions{
			Cache: cfg.Abuse.CacheIPBlockFile,
			By:    by,
			Warn: func(problem string) {
				g.log.AbuseProblem(file, by, "", problem)
			},
			Now:    g.now,
			Expire: cfg.Abuse.AutoBanExpire,
			Expired: func(line string) {
				g.log.AbuseProblem(file, by, "", "ban ended (AutoBanMinutes): removed "+line)
			},
		})
	}
	if cfg.Paths.POPBeforeSMTP != "" {
		g.tracker = policy.NewTracker(cfg.Paths.POPBeforeSMTP, cfg.Abuse.POPBeforeSMTP)
	}
	g.logins = newLogins(cfg, g.now)
	for _, p := range []string{cfg.Paths.IPBlock, cfg.Paths.POPBeforeSMTP, cfg.Paths.FailedLogins} {
		if p == "" {
			continue
		}
		for _, f := range policy.CleanTemp(p, staleTemp, g.now()) {
			g.log.AbuseProblem(file, by, "", "removed "+f+", a temporary file left by a process that stopped while writing it")
		}
	}
	if cfg.Abuse.AutoBan > 0 && !g.blockOn {
		g.log.AbuseProblem(file, by, "", fmt.Sprintf("AutoBan=%d writes bans to ipblock.txt, but IPBlockEnabled is off, so they are not enforced", cfg.Abuse.AutoBan))
	}
	return g
}

// exempt reports whether ip escapes the per-IP rules.
func (g *common) exempt(ip netip.Addr) bool {
	return g.limits.Exempt(ip)
}

// blocked reports whether ipblock.txt lists ip, logging the line that does.
func (g *common) blocked(id string, ip netip.Addr) bool {
	if !g.blockOn || g.block == nil {
		return false
	}
	hit, line := g.block.Blocked(ip)
	if hit {
		g.log.AbuseRefused(g.file, g.module, id, ip.String(), logs.RuleBlockList, line)
	}
	return hit
}

// autoBan applies AutoBan after a session's failures-th failed login. It
// reports whether the session must end (the limit is reached), having
// written the ban unless the client is exempt.
func (g *common) autoBan(id string, ip netip.Addr, failures int) bool {
	limit := g.abuse.AutoBan
	if limit <= 0 || failures < limit || !ip.IsValid() {
		return false
	}
	if g.exempt(ip) {
		g.log.AbuseExempt(g.file, g.module, id, ip.String(), logs.RuleAutoBan,
			fmt.Sprintf("%d failed logins; session closed, address not banned", failures))
		return true
	}
	var err error
	if g.block == nil {
		err = fmt.Errorf("no ipblock.txt path is configured")
	} else {
		err = g.block.Ban(ip, fmt.Sprintf("%d failed logins", failures), g.now())
	}
	g.log.AbuseBanned(g.file, g.module, id, ip.String(), failures, err)
	return true
}

// acquire counts a connection from ip against MaxConnectionsPerIP.
func (g *common) acquire(id string, ip netip.Addr) (release func(), ok bool) {
	release, ok = g.limits.Acquire(ip)
	if !ok {
		g.log.AbuseRefused(g.file, g.module, id, ip.String(), logs.RuleConnections,
			fmt.Sprintf("already %d connections open (MaxConnectionsPerIP)", g.abuse.MaxConnectionsPerIP))
	}
	return release, ok
}

// tooManyFailed reports whether a session's failures-th failed command
// reaches MaxFailedCommands for a client that is not exempt, logging the
// rule (or the exemption, once).
func (g *common) tooManyFailed(id string, ip netip.Addr, failures int) bool {
	limit := g.abuse.MaxFailedCommands
	if limit <= 0 || failures < limit {
		return false
	}
	if ip.IsValid() && g.exempt(ip) {
		if failures == limit {
			g.log.AbuseExempt(g.file, g.module, id, ip.String(), logs.RuleFailed, fmt.Sprintf("%d failed commands", failures))
		}
		return false
	}
	g.log.AbuseRefused(g.file, g.module, id, ip.String(), logs.RuleFailed, fmt.Sprintf("%d failed commands in one session (MaxFailedCommands)", failures))
	return true
}
