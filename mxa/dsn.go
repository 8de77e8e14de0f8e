package mxa

import (
	"strings"

	"mailq/dsn"
	"mailq/queue"
)

// noticeRecipients works out what the failure notice says of each failed
// recipient, from the outcome kept in its Result field: the status and
// reply of the server that refused it (Remote-MTA, diagnostic type smtp),
// or of the local condition (no Remote-MTA), RFC 3464 §2.3.
func noticeRecipients(failed []queue.Recipient) []dsn.Recipient {
	out := make([]dsn.Recipient, 0, len(failed))
	for _, r := range failed {
		rep := parseResult(r.Result, true)
		remote := ""
		if rep.Host != "" {
			remote, _, _ = strings.Cut(rep.Host, "[") // name[ip]: the name
			if remote == "" {
				remote = strings.Trim(rep.Host, "[]") // no name: the address
			}
		}
		out = append(out, dsn.Recipient{Addr: r.Addr, Orig: r.Orig, Status: rep.Status(),
			RemoteMTA: remote, Diagnostic: rep.Error(), Text: r.Result})
	}
	return out
}
