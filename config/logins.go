package config

import (
	"fmt"
	"time"
)

// LoginLimits are the limits on password guessing across sessions and
// across both instances (package policy keeps the counts in
// Paths.FailedLogins). POPLockout, kept under its old name, is the first of
// them: the failures of one account from one address.
type LoginLimits struct {
	// PerIP is MaxFailedLoginsPerIP: failed logins from one address (IPv4,
	// or IPv6 /64), whatever the accounts, after which that address may not
	// log in for Lock; 0 is off.
	PerIP int
	// PerAccount is MaxFailedLoginsPerAccount: failed logins of one account
	// from all addresses together after which the account is locked for
	// Lock, against everyone; 0 is off. It should be above POPLockout, so
	// that one address alone never locks its owner out.
	PerAccount int
	// Lock is LockoutMinutes: how long each block and lock lasts, and how
	// long a count is kept that has not reached its limit.
	Lock time.Duration
}

// loginSummary is the start-up line of the login limits.
func loginSummary(c *Config) []string {
	l := c.Abuse.Logins
	return []string{fmt.Sprintf("Login limits: %s from one address for one account, %s from one address, %s for one account; blocks last %s",
		limitWord(c.POP.Lockout), limitWord(l.PerIP), limitWord(l.PerAccount), humanDuration(l.Lock))}
}

func limitWord(n int) string {
	if n <= 0 {
		return "no limit"
	}
	return fmt.Sprintf("%d failures", n)
}
