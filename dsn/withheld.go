package dsn

import (
	"strings"

	"mailq/queue"
)

// Withheld reports whether a failure notice about env must leave out the
// recipient addr, reached through an alias from orig: when the message came
// from a remote, unauthenticated client (queue.OriginRemote), so its sender
// may be forged, and the alias led to another domain. Naming the recipient
// would tell whoever forged the sender where the alias forwards (RFC 3464
// §6.2 leaves what a notice discloses to the reporting site). The
// recipient is still kept in failed/ and logged; the sender hears nothing
// of it, and a notice that would name only withheld recipients is not
// sent at all. Mail from local or authenticated senders, or of unknown
// origin (a dropped-in set), is reported as before.
//
// This is the one rule of what a notice may say that both agents share;
// whether a notice is due at all (the null sender,
// SMTPEnableFailureBounce) stays theirs.
func Withheld(env *queue.Envelope, addr, orig string) bool {
	return env.Origin == queue.OriginRemote && orig != "" && !strings.EqualFold(domain(orig), domain(addr))
}

func domain(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}
