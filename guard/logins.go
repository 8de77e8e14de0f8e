package guard

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/policy"
	"mailq/pop3"
	"mailq/smtp"
)

// The login limits: both guards count failed logins in policy's shared
// file, so guesses over SMTP AUTH and POP3 count together. The address
// rules (POPLockout for one account, MaxFailedLoginsPerIP for all) come
// first and spare the owner; the account lock (MaxFailedLoginsPerAccount)
// acts only when many addresses guess, and only for LockoutMinutes.
// Loopback and [RelayIPs] escape the address rules, as they escape AutoBan,
// unless LimitLocal is set; their failures still count towards the account
// lock.

var (
	_ smtp.LoginGuard = (*SMTP)(nil)
	_ pop3.LoginGuard = (*POP3)(nil)
)

// newLogins returns the shared counts, or nil when no rule is on.
func newLogins(cfg *config.Config, now func() time.Time) *policy.Logins {
	l := cfg.Abuse.Logins
	if cfg.Paths.FailedLogins == "" || (cfg.POP.Lockout <= 0 && l.PerIP <= 0 && l.PerAccount <= 0 && cfg.Abuse.AutoBan <= 0) {
		return nil
	}
	return policy.NewLogins(cfg.Paths.FailedLogins, policy.LoginOptions{
		PerAccountIP: cfg.POP.Lockout,
		PerIP:        l.PerIP,
		PerAccount:   l.PerAccount,
		Lock:         l.Lock,
		Now:          now,
	})
}

func loginRule(r policy.LoginRule) logs.AbuseRule {
	switch r {
	case policy.LoginAccount:
		return logs.RuleLoginAccount
	case policy.LoginIP:
		return logs.RuleLoginIP
	}
	return logs.RuleLoginAccountIP
}

// loginAllowed asks whether user may try to log in from ip, logging a
// refusal.
func (g *common) loginAllowed(id string, ip netip.Addr, user string) policy.Refusal {
	if g.logins == nil {
		return policy.Refusal{}
	}
	ip = ip.Unmap()
	r := g.logins.Check(user, ip, ip.IsValid() && g.exempt(ip))
	if r.Refused() {
		detail := fmt.Sprintf("login of %q refused unchecked until %s", clip(user), r.Until.Format("15:04:05"))
		if r.Rule != policy.LoginIP {
			detail += "; /UNLOCK:" + clip(user) + " ends it now"
		}
		g.log.AbuseRefused(g.file, g.module, id, ip.String(), loginRule(r.Rule), detail)
	}
	return r
}

// loginCounted counts a failed attempt and logs the block it started. It
// reports whether the session must end: AutoBan reached by the address's
// failed attempts across sessions and instances (the ban is written).
func (g *common) loginCounted(id string, ip netip.Addr, user string, checked bool) bool {
	if g.logins == nil {
		return false
	}
	ip = ip.Unmap()
	c, err := g.logins.Failed(user, ip, ip.IsValid() && g.exempt(ip), checked)
	if err != nil {
		g.log.AbuseProblem(g.file, g.module, id, fmt.Sprintf("failed login of %q from [%s] not counted: %v", clip(user), ip, err))
		return false
	}
	if s := c.Started; s.Refused() {
		n := c.AccountIP
		switch s.Rule {
		case policy.LoginAccount:
			n = c.Account
		case policy.LoginIP:
			n = c.IP
		}
		g.log.AbuseLoginBlocked(g.file, g.module, id, ip.String(), user, loginRule(s.Rule), n, s.Until)
	}
	return c.Tries > 0 && g.autoBan(id, ip, c.Tries)
}

// Replies to a login refused unchecked. They name the block and say it
// passes; names that are no account get them alike, so they tell nothing
// about which accounts exist. RFC 4954 §6: 454 4.7.0 is a temporary
// authentication failure, after which a client should not ask the user
// for another password.
func smtpLoginReply(r policy.Refusal, ip netip.Addr) smtp.Reply {
	return smtp.Reply{Code: 454, Enh: "4.7.0", Lines: []string{loginRefusalText(r, ip, true)}}
}

// popLoginReply: RFC 3206 [AUTH], as for every failed login.
func popLoginReply(r policy.Refusal, ip netip.Addr) pop3.Reply {
	return pop3.Reply{Code: pop3.CodeAuth, Text: loginRefusalText(r, ip, false)}
}

func loginRefusalText(r policy.Refusal, ip netip.Addr, capital bool) string {
	var s string
	switch r.Rule {
	case policy.LoginAccount:
		s = "account locked after too many failed logins; try again later"
	case policy.LoginIP:
		s = fmt.Sprintf("too many failed logins from [%s]; try again later", ip)
	default:
		s = fmt.Sprintf("too many failed logins of this account from [%s]; try again later", ip)
	}
	if capital {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// LoginAllowed refuses a login that a login limit blocks (454 4.7.0).
func (g *SMTP) LoginAllowed(c smtp.Client, user string) error {
	if r := g.loginAllowed(c.Session, c.IP, user); r.Refused() {
		return smtpLoginReply(r, c.IP.Unmap())
	}
	return nil
}

// LoginCounted counts a failed AUTH; past AutoBan it bans and closes.
func (g *SMTP) LoginCounted(c smtp.Client, user string, checked bool) error {
	if g.loginCounted(c.Session, c.IP, user, checked) {
		return replyAuthFailures
	}
	return nil
}

// LoginSucceeded forgets the user's failures from this address.
func (g *SMTP) LoginSucceeded(c smtp.Client, user string) {
	g.loginSucceeded(c.Session, c.IP, user)
}

func (g *common) loginSucceeded(id string, ip netip.Addr, user string) {
	if g.logins == nil {
		return
	}
	if err := g.logins.Succeeded(user, ip.Unmap()); err != nil {
		g.log.AbuseProblem(g.file, g.module, id, fmt.Sprintf("login of %q from [%s]: %v", clip(user), ip.Unmap(), err))
	}
}

// LoginAllowed refuses a login that a login limit blocks.
func (g *POP3) LoginAllowed(ip netip.Addr, user string) error {
	if r := g.loginAllowed("", ip, user); r.Refused() {
		return popLoginReply(r, ip.Unmap())
	}
	return nil
}

// LoginCounted counts a failed login; past AutoBan it bans and closes.
func (g *POP3) LoginCounted(ip netip.Addr, user string, checked bool) error {
	if g.loginCounted("", ip, user, checked) {
		return pop3.Reply{Code: pop3.CodeAuth, Text: "too many failed logins; closing connection", Close: true}
	}
	return nil
}
