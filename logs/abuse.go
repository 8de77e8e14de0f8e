package logs

import "fmt"

// Events of the abuse controls (package guard). Each names the rule that
// acted, so an administrator reading "refused" in the SMTP or POP3 log can
// tell a block-list entry from a DNSBL listing or a limit. They go to the log
// file of the instance that acted (file), with its module name; DNSBL events
// use the module "DNSBL".

// AbuseRule names a rule of the abuse controls in the log.
type AbuseRule string

// The rules.
const (
	RuleBlockList    AbuseRule = "ipblock"     // ipblock.txt lists the client
	RuleHarvest      AbuseRule = "harvest"     // blocked for guessing addresses
	RuleConnections  AbuseRule = "connections" // MaxConnectionsPerIP
	RuleMessages     AbuseRule = "messages"    // MaxMessagesPerIPHour
	RuleDNSBL        AbuseRule = "dnsbl"       // a [DNSBL] zone lists the client
	RuleAutoBan      AbuseRule = "autoban"     // AutoBan failed logins
	RuleFailed       AbuseRule = "failed"      // MaxFailedCommands
	RuleUnknownRcpts AbuseRule = "unknown"     // MaxUnknownRecipients
	RuleHELO         AbuseRule = "helo"        // HELOCheck
)

// AbuseRefused records a client, command or message refused by rule; detail
// says what matched (the block-list line, the zone and its reason, the count).
func (l *Logger) AbuseRefused(file File, module, id, client string, rule AbuseRule, detail string) {
	l.emit(event{File: file, Level: Normal, Color: yellow, Module: module, ID: id, Status: "BLOCK",
		Text:   fmt.Sprintf("[%s] refused by %s: %s", client, rule, detail),
		Fields: cols(file, "client", client, "event", "abuse", "detail", string(rule)+": "+detail)})
}

// AbuseBanned records an address added to ipblock.txt by AutoBan (err nil),
// or a ban that could not be written.
func (l *Logger) AbuseBanned(file File, module, id, client string, failures int, err error) {
	if err != nil {
		l.emit(event{File: file, Level: Normal, Color: red, Module: module, ID: id, Status: "ERROR",
			Text:   fmt.Sprintf("[%s] could not be banned after %d failed logins: %v", client, failures, err),
			Fields: cols(file, "client", client, "event", "ban-failed", "detail", fmt.Sprintf("%s: %d failed logins: %v", RuleAutoBan, failures, err))})
		return
	}
	l.emit(event{File: file, Level: Normal, Color: red, Module: module, ID: id, Status: "BANNED",
		Text:   fmt.Sprintf("[%s] banned after %d failed logins: added to ipblock.txt", client, failures),
		Fields: cols(file, "client", client, "event", "banned", "detail", fmt.Sprintf("%s: %d failed logins", RuleAutoBan, failures))})
}

// AbuseExempt records a rule that would have acted on a client that is exempt
// (loopback or [RelayIPs]), so the administrator sees why nothing happened.
func (l *Logger) AbuseExempt(file File, module, id, client string, rule AbuseRule, detail string) {
	l.emit(event{File: file, Level: Info, Color: grey, Module: module, ID: id, Status: "INFO",
		Text:   fmt.Sprintf("[%s] exempt from %s (loopback or [RelayIPs]): %s", client, rule, detail),
		Fields: cols(file, "client", client, "event", "abuse-exempt", "detail", string(rule)+": "+detail)})
}

// AbuseTagged records a message accepted with a warning header (HELOCheck=tag).
func (l *Logger) AbuseTagged(file File, module, id, client string, rule AbuseRule, detail string) {
	l.emit(event{File: file, Level: Info, Color: yellow, Module: module, ID: id, Status: "TAG",
		Text:   fmt.Sprintf("[%s] tagged by %s: %s", client, rule, detail),
		Fields: cols(file, "client", client, "event", "abuse-tag", "detail", string(rule)+": "+detail)})
}

// AbuseProblem records a problem of the abuse controls themselves: a bad line
// in ipblock.txt, a DNSBL zone that did not answer, a POP-before-SMTP file
// that could not be written. The client, if any, is served as if the rule
// were not there.
func (l *Logger) AbuseProblem(file File, module, id, text string) {
	l.emit(event{File: file, Level: Normal, Color: yellow, Module: module, ID: id, Status: "WARN",
		Text: text, Fields: cols(file, "event", "abuse-problem")})
}
