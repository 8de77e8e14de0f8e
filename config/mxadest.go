package config

import "fmt"

// MXADest holds the [MXA] keys that share the delivery workers among
// destinations. It is embedded in MXA.
type MXADest struct {
	// MaxConnectionsPerDestination caps the deliveries in progress to one
	// destination (a domain's mail servers, or one [LocalMX] host), so that
	// a server that answers slowly or not at all (a tarpit) cannot hold
	// every worker until its time-outs end while other mail waits. At least
	// one worker is always left for other destinations. 0 means no limit
	// besides Workers (PerDestination). MX=Gateway sends everything one way and is not
	// limited.
	MaxConnectionsPerDestination int
}

// PerDestination returns the effective limit of deliveries in progress to
// one destination: MaxConnectionsPerDestination, but never more than
// Workers-1 (one worker stays free for other destinations); 0 means no
// limit: set so, with MX=Gateway, or with a single worker.
func (m MXA) PerDestination() int {
	n := m.MaxConnectionsPerDestination
	if n == 0 || m.MX == MXGateway || m.Workers <= 1 {
		return 0
	}
	return min(n, m.Workers-1)
}

// mxaDestSummary is the start-up line of the limit, for an instance with
// the MXA on.
func mxaDestSummary(c *Config) []string {
	if n := c.MXA.PerDestination(); n > 0 {
		return []string{fmt.Sprintf("Deliveries per destination: at most %d at once (of %d workers)", n, c.MXA.Workers)}
	}
	return []string{"Deliveries per destination: no limit besides Workers"}
}
