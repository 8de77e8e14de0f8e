package logs

import (
	"fmt"
	"time"
)

// Events of the Mail Delivery Agent. They go to mda-YYYYMMDD.log under the
// module "MDA", in cyan on the console (red for errors). Every row about a
// recipient has the same columns after the text, so the file reads as one
// table of delivery decisions:
//
//	time, id, MDA, status, text, action, recipient, original, sender, destination, tracking, detail

const moduleMDA = "MDA"

// MDAAction is what the MDA decided for one recipient of a message.
type MDAAction string

// The decisions the MDA records.
const (
	// MDADelivered: a copy was written into an account's mailbox.
	MDADelivered MDAAction = "delivered"
	// MDAUnknown: a copy was written into the unknown folder of a local
	// address without an account (RefileUnknownUsers, postmaster, alias loop).
	MDAUnknown MDAAction = "unknown"
	// MDAExternal: the recipient was written into the external queue for the MXA.
	MDAExternal MDAAction = "external"
	// MDAFailed: the recipient was given up and its copy put into failed/.
	MDAFailed MDAAction = "failed"
	// MDADuplicate: another recipient of the same message already had
	// this copy (two addresses leading to one mailbox); nothing written.
	MDADuplicate MDAAction = "duplicate"
	// MDAAlready: the copy was there from an earlier, interrupted run
	// (a replay after a crash); nothing written.
	MDAAlready MDAAction = "already done"
)

// MDARecipient is one delivery decision.
type MDARecipient struct {
	ID       string    // the queue id of the message
	Tracking string    // its tracking id
	Sender   string    // envelope sender; "" is the null sender
	Rcpt     string    // the address filed to (after aliases)
	Orig     string    // the address as received, if aliases changed it
	Action   MDAAction // what was done
	Dest     string    // where the copy went: a mailbox, a folder, a reason
}

// MDAFiled records one delivery decision.
func (l *Logger) MDAFiled(r MDARecipient) {
	var text string
	switch r.Action {
	case MDADelivered:
		text = "delivered to " + r.Rcpt
	case MDAUnknown:
		text = "filed for unknown user " + r.Rcpt
	case MDAExternal:
		text = "queued for " + r.Rcpt + " in the external queue"
	case MDAFailed:
		text = "gave up on " + r.Rcpt
	case MDAAlready:
		text = r.Rcpt + ": done already by an interrupted run"
	default:
		text = fmt.Sprintf("%s: %s", r.Rcpt, r.Action)
	}
	if r.Orig != "" {
		text += " (sent to " + r.Orig + ")"
	}
	if r.Action == MDAFailed || r.Action == MDADuplicate {
		text += ": " + r.Dest
	}
	color, status := cyan, "OK"
	if r.Action == MDAFailed {
		color, status = red, "FAIL"
	}
	sender := r.Sender
	if sender == "" {
		sender = "<>"
	}
	l.emit(event{File: fileMDA, Level: Normal, Color: color, Module: moduleMDA, ID: r.ID, Status: status,
		Text: text, Fields: mdaFields(string(r.Action), r.Rcpt, r.Orig, sender, r.Dest, r.Tracking, "")})
}

// MDAAliasLoop records an [EmailAlias] chain that comes back on itself; the
// MDA files the message in the unknown folder of the address as received.
func (l *Logger) MDAAliasLoop(id, rcpt, chain string) {
	l.emit(event{File: fileMDA, Level: Normal, Color: red, Module: moduleMDA, ID: id, Status: "FAIL",
		Text: fmt.Sprintf("alias loop for %s: %s; fix [EmailAlias]", rcpt, chain), Fields: mdaFields("alias-loop", rcpt, "", "", "", "", chain)})
}

// MDABounce records a failure notice for rcpts recipients of set id given
// up at filing, written into the queue as set bounce, from the null sender
// to the set's sender to.
func (l *Logger) MDABounce(id, bounce, to string, rcpts int) {
	l.emit(event{File: fileMDA, Level: Normal, Color: cyan, Module: moduleMDA, ID: id, Status: "BOUNCE",
		Text:   fmt.Sprintf("failure notice %s to <%s> for %d recipient(s)", bounce, to, rcpts),
		Fields: mdaFields("bounce", to, "", "<>", "queue/"+bounce, "", fmt.Sprintf("%d recipient(s) given up", rcpts))})
}

// MDAQuarantined records a message set moved to the bad folder because it
// cannot be read or filed.
func (l *Logger) MDAQuarantined(id, reason string) {
	l.emit(event{File: fileMDA, Level: Normal, Color: red, Module: moduleMDA, ID: id, Status: "FAIL",
		Text: "moved to the bad folder: " + reason, Fields: mdaFields("quarantined", "", "", "", "bad", "", reason)})
}

// MDARetry records a temporary failure: the set stays in the queue and is
// tried again after wait.
func (l *Logger) MDARetry(id string, err error, wait time.Duration) {
	l.emit(event{File: fileMDA, Level: Normal, Color: red, Module: moduleMDA, ID: id, Status: "FAIL",
		Text:   fmt.Sprintf("cannot file the message now (trying again in %v): %v", wait.Round(time.Second), err),
		Fields: mdaFields("retry", "", "", "", "", "", err.Error())})
}

// MDAError records a failure of the agent itself, such as a folder it
// cannot read or a recovered panic.
func (l *Logger) MDAError(id, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	l.emit(event{File: fileMDA, Level: Normal, Color: red, Module: moduleMDA, ID: id, Status: "FAIL",
		Text: text, Fields: mdaFields("error", "", "", "", "", "", text)})
}

// MDAScriptOutput records one line a delivery script wrote.
func (l *Logger) MDAScriptOutput(id, script, line string) {
	l.emit(event{File: fileMDA, Level: Info, Color: grey, Module: moduleMDA, ID: id, Status: "INFO",
		Text: "script output: " + line, Fields: mdaFields("script-output", "", "", "", script, "", line)})
}

// MDAScript records a delivery script that ended: result is "exit status 0",
// "killed after 1m0s" or the error that kept it from starting.
func (l *Logger) MDAScript(id, rcpt, script, result string, ok bool, took time.Duration) {
	color, status := cyan, "OK"
	if !ok {
		color, status = red, "FAIL"
	}
	l.emit(event{File: fileMDA, Level: Normal, Color: color, Module: moduleMDA, ID: id, Status: status,
		Text:   fmt.Sprintf("script %s for %s: %s (%v)", script, rcpt, result, took.Round(time.Millisecond)),
		Fields: mdaFields("script", rcpt, "", "", script, "", result)})
}

// mdaFields returns the columns every MDA row has after its text.
func mdaFields(action, rcpt, orig, sender, dest, tracking, detail string) []string {
	return []string{action, rcpt, orig, sender, dest, tracking, detail}
}
