package main

import "strings"

// lockedHint warns about accounts in [Pop-Locked]. mailq no longer writes
// that section (its locks after failed logins end by themselves), so an
// entry there is an administrator's lock or one an older version wrote,
// and it lasts until /UNLOCK. Both servers refuse such an account like a
// wrong password, so that the answer tells nothing about which accounts
// exist; only the console says why.
func (a *app) lockedHint() {
	var locked []string
	for _, u := range a.users.Users() {
		if a.users.Locked(u) {
			locked = append(locked, u)
		}
	}
	if len(locked) == 0 {
		return
	}
	a.log.Warnf("", "locked in [Pop-Locked] until unlocked (logins are refused as a wrong password): %s; unlock with  %s /unlock:%s",
		strings.Join(locked, ", "), exeName(), locked[0])
}
