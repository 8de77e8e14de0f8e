package mxa

import (
	"fmt"

	"mailq/queue"
)

// Capture mode: nothing leaves the machine except mail an administrator
// released with /RELEASE to a domain of ReleaseDomains. The MDA of a
// capturing server writes nothing into the external queue, so only
// released sets reach the agent; Options.Allow is the last check, made
// before any connection: a set with a recipient it refuses is put aside in
// bad/ with the reason, whatever put it in the queue.

// refusedRecipient returns the first recipient of env that Options.Allow
// refuses, or "" when every one may be sent to (or Allow is nil).
func (a *Agent) refusedRecipient(env *queue.Envelope) string {
	if a.opt.Allow == nil {
		return ""
	}
	for _, r := range env.Recipients {
		if r.Status == queue.StatusPending && !a.opt.Allow(r.Addr) {
			return r.Addr
		}
	}
	return ""
}

// holdRefused puts set id aside when a recipient may not be sent to; it
// reports whether it did (or failed to, in err).
func (a *Agent) holdRefused(folder queue.Folder, id queue.ID, env *queue.Envelope) (bool, error) {
	addr := a.refusedRecipient(env)
	if addr == "" {
		return false, nil
	}
	reason := fmt.Sprintf("capture mode: %s is not at a domain of ReleaseDomains; nothing else leaves this server", addr)
	if err := a.tree.Quarantine(folder, id, reason); err != nil {
		return true, err
	}
	a.log.MXAErrorf(string(id), "moved to bad/: %s", reason)
	return true, nil
}
