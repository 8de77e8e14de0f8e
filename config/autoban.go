package config

import (
	"fmt"
	"time"
)

// ruleAutoBanExpire reads AutoBanMinutes: 0 keeps automatic bans for ever
// (the original's behaviour); otherwise they end after this long.
var ruleAutoBanExpire = durationRule{unit: time.Minute, min: 0, max: 366 * 24 * time.Hour}

// autoBanKeys are the [Config] keys of automatic bans beyond AutoBan itself.
func autoBanKeys() []keySpec {
	return []keySpec{
		durationKey("Config", "AutoBanMinutes", ruleAutoBanExpire, func(c *Config) *time.Duration { return &c.Abuse.AutoBanExpire }),
	}
}

// autoBanSummary is the start-up line of AutoBan.
func (c *Config) autoBanSummary() string {
	s := afterFailures(c.Abuse.AutoBan)
	if c.Abuse.AutoBan > 0 {
		if c.Abuse.AutoBanExpire > 0 {
			s += fmt.Sprintf(", for %s", humanDuration(c.Abuse.AutoBanExpire))
		} else {
			s += ", for ever"
		}
	}
	return s
}
