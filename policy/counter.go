package policy

// Counter counts failures within one session against a limit: failed
// authentications (Abuse.AutoBan: ban the IP and close), failed commands
// (Abuse.MaxFailedCommands: 421 and close), unknown local recipients
// (Abuse.MaxUnknownRecipients: Limiter.BlockFor an hour and close). The zero
// value, and any Counter with Limit 0, never reaches its limit. A Counter
// belongs to one connection and is not safe for concurrent use.
type Counter struct {
	Limit int // 0: no limit
	n     int
}

// Add counts one failure and reports whether the limit is now reached (it
// stays reached for later failures).
func (c *Counter) Add() bool {
	c.n++
	return c.Limit > 0 && c.n >= c.Limit
}

// Count returns the failures counted so far.
func (c *Counter) Count() int { return c.n }
