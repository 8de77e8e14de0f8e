package config

import "time"

// Session time limits beyond Timeout (issue 22).
//
// FirstCommandTimeout is how long a client may take, from its connection,
// to send its first complete command line. Real clients send EHLO, CAPA or
// USER within milliseconds of the greeting; only a person typing in telnet
// needs seconds. 30 seconds is generous for both, and it frees a session
// slot held by a silent connection four times sooner than the default
// Timeout (RFC 5321 §4.5.3.2.1 asks the client to wait 5 minutes for our
// greeting; nothing asks a server to wait that long for the client). 0 turns
// it off: the first command then has Timeout like any other.
// (FirstCommandTimeout=30 in settings.go.)
var ruleFirstCommand = durationRule{unit: time.Second, min: 0, max: 24 * time.Hour}

// firstCommandSummary is the start-up line for FirstCommandTimeout.
func firstCommandSummary(c *Config) []string {
	if c.Server.FirstCommandTimeout <= 0 {
		return []string{"First command within: Timeout (FirstCommandTimeout=0)"}
	}
	return []string{"First command within: " + humanDuration(c.Server.FirstCommandTimeout)}
}
