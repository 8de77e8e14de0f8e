package config

import (
	"fmt"
	"time"
)

// ruleAutoBanExpire reads AutoBanMinutes: 0 keeps automatic bans for ever
// (the original's behaviour); otherwise they end after this long.
var ruleAutoBanExpire = durationRule{unit: time.Minute, min: 0, max: 366 * 24 * time.Hour}

// autoBanSummary is the start-up line of AutoBan.
func autoBanSummary(c *Config) []string {
	s := afterFailures(c.Abuse.AutoBan)
	if c.Abuse.AutoBan > 0 {
		if c.Abuse.AutoBanExpire > 0 {
			s += fmt.Sprintf(", for %s", humanDuration(c.Abuse.AutoBanExpire))
		} else {
			s += ", for ever"
		}
	}
	return []string{"Auto-ban: " + s}
}

func afterFailures(n int) string {
	if n == 0 {
		return "off"
	}
	return fmt.Sprintf("after %d failed login(s)", n)
}
