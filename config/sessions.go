package config

import "time"

// ruleFirstCommand reads FirstCommandTimeout (issue 22): how long a client
// may take, from its connection, to send its first complete command line.
// 0 turns it off: the first command then has Timeout like any other.
var ruleFirstCommand = durationRule{unit: time.Second, min: 0, max: 24 * time.Hour}

// firstCommandSummary is the start-up line for FirstCommandTimeout.
func firstCommandSummary(c *Config) []string {
	if c.Server.FirstCommandTimeout <= 0 {
		return []string{"First command within: Timeout (FirstCommandTimeout=0)"}
	}
	return []string{"First command within: " + humanDuration(c.Server.FirstCommandTimeout)}
}
