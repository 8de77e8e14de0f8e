package smtp

import "mailq/config"

// relayDecision applies the MailQ manual's relay table. An internal sender
// is an authenticated session (or one the Guard trusts); a local recipient
// is at HostDomain or a [Domains] domain. Each level includes the ones below:
//
//	level          internal→local  internal→external  external→local  external→external
//	0 Relay Off         yes              no                 no               no
//	1 One-Way           yes              yes                no               no
//	2 Two-Way           yes              yes                yes              no
//	3 Open              yes              yes                yes              yes
//
// Postmaster at a local domain is accepted before this is asked (RFC 5321
// §4.5.1). When the answer is no, why says so in words for the 550 reply.
func relayDecision(level config.Relay, internal, localRcpt bool) (ok bool, why string) {
	switch {
	case internal && localRcpt:
		return true, ""
	case internal:
		if level >= config.RelayOneWay {
			return true, ""
		}
		return false, "Relaying denied: this server delivers to local mailboxes only"
	case localRcpt:
		if level >= config.RelayTwoWay {
			return true, ""
		}
		return false, "Relaying denied: log in first to send mail to this domain"
	case level >= config.RelayOpen:
		return true, ""
	case level == config.RelayOff:
		return false, "Relaying denied: this server delivers to local mailboxes only"
	default:
		return false, "Relaying denied: log in first to send mail to other domains"
	}
}
