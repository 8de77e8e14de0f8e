package logs

import (
	"fmt"
	"time"
)

// The rules of the login limits (package policy's Logins).
const (
	RuleLoginAccountIP AbuseRule = "login-account-ip" // POPLockout: one account from one address
	RuleLoginIP        AbuseRule = "login-ip"         // MaxFailedLoginsPerIP
	RuleLoginAccount   AbuseRule = "login-account"    // MaxFailedLoginsPerAccount
)

// AbuseLoginBlocked records a block that failed logins started: an address
// blocked for one account or for all, or an account locked for everyone.
// The line names the /UNLOCK command that ends a block on an account early.
func (l *Logger) AbuseLoginBlocked(file File, module, id, client, user string, rule AbuseRule, failures int, until time.Time) {
	at := until.Format("15:04:05")
	var text string
	switch rule {
	case RuleLoginAccount:
		text = fmt.Sprintf("account %q locked until %s after %d failed logins from several addresses (the last from [%s]); /UNLOCK:%s ends it now",
			clip(user, 80), at, failures, client, clip(user, 80))
	case RuleLoginIP:
		text = fmt.Sprintf("[%s] may not log in until %s: %d failed logins", client, at, failures)
	default:
		text = fmt.Sprintf("[%s] may not log in to %q until %s: %d failed logins of it; /UNLOCK:%s ends it now",
			client, clip(user, 80), at, failures, clip(user, 80))
	}
	l.emit(event{File: file, Level: Normal, Color: red, Module: module, ID: id, Status: "LOCKED",
		Text: text,
		Fields: cols(file, "client", client, "event", "abuse", "user", user,
			"detail", fmt.Sprintf("%s: %d failed logins, blocked until %s", rule, failures, until.UTC().Format(time.RFC3339)))})
}
