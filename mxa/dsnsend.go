package mxa

import (
	"strings"

	"mailq/queue"
)

// dsnRequest is the DSN request of a set (RFC 3461), passed on to a next
// hop that offers DSN (§5.2: "the DSN extension ... MUST be relayed").
// A next hop without DSN gets none of it, and this agent reports success
// itself for the recipients that asked for it (Action: relayed, §6.2.2).
type dsnRequest struct {
	mail string            // " RET=FULL ENVID=..." or ""
	rcpt map[string]string // address → " NOTIFY=... ORCPT=..."
}

// newDSNRequest collects env's parameters, xtext encoded again.
func newDSNRequest(env *queue.Envelope) *dsnRequest {
	d := &dsnRequest{rcpt: map[string]string{}}
	if env.Ret != queue.RetUnset {
		d.mail += " RET=" + env.Ret.String()
	}
	if env.EnvID != "" {
		d.mail += " ENVID=" + queue.Xtext(env.EnvID)
	}
	for _, r := range env.Recipients {
		var p strings.Builder
		if r.Notify != 0 {
			p.WriteString(" NOTIFY=" + r.Notify.String())
		}
		if t, addr, ok := strings.Cut(r.ORcpt, ";"); ok {
			p.WriteString(" ORCPT=" + t + ";" + queue.Xtext(addr))
		}
		if p.Len() > 0 {
			d.rcpt[r.Addr] = p.String()
		}
	}
	return d
}

// offered reports whether the server offers DSN.
func (s *session) offersDSN() bool {
	_, ok := s.ext["DSN"]
	return ok
}

// mailArgs returns the parameters to add to MAIL for session s.
func (d *dsnRequest) mailArgs(s *session) string {
	if d == nil || !s.offersDSN() {
		return ""
	}
	return d.mail
}

// rcptLine returns the RCPT command for addr, with its DSN parameters when
// s offers DSN.
func (d *dsnRequest) rcptLine(s *session, addr string) string {
	line := "RCPT TO:<" + addr + ">"
	if d != nil && s.offersDSN() {
		line += d.rcpt[addr]
	}
	return line
}
