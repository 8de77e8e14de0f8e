package msgauth

import (
	"fmt"
	"strings"
)

// Policy is what one check's result does to a message: one key each
// (SPFPolicy, DKIMPolicy, DMARCPolicy).
type Policy int

const (
	// Accept checks and records the result in Authentication-Results; the
	// result changes nothing else. The default.
	Accept Policy = iota
	// Mark adds X-Spam-Flag: YES and the subject tag to a message that
	// failed the check.
	Mark
	// Refuse answers a failed check with 5xx (SPF fail at MAIL, DKIM and
	// DMARC after DATA) and a temperror with 4xx.
	Refuse
	// Honour (DMARC only) does what the sender's domain asks: p=reject is
	// refused, p=quarantine marked, p=none accepted.
	Honour
	// Off does not check at all: no DNS lookup, no result recorded.
	Off
)

var policyNames = [...]string{"accept", "mark", "refuse", "honour", "off"}

func (p Policy) String() string {
	if p < 0 || int(p) >= len(policyNames) {
		return "unknown"
	}
	return policyNames[p]
}

// ParsePolicy reads a policy name; honour (or honor) only when dmarc is
// true, since only DMARC records carry the sender's wish.
func ParsePolicy(s string, dmarc bool) (Policy, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "honor" {
		v = "honour"
	}
	for i, n := range policyNames {
		if v == n && (Policy(i) != Honour || dmarc) {
			return Policy(i), nil
		}
	}
	if dmarc {
		return 0, fmt.Errorf("want accept, mark, refuse, honour or off")
	}
	return 0, fmt.Errorf("want accept, mark, refuse or off")
}

// Action is what a verdict does to the message.
type Action int

const (
	Deliver  Action = iota // as it is, with its results recorded
	MarkSpam               // X-Spam-Flag and the subject tag
	Defer                  // 4xx: ask again later (a temperror under refuse)
	Reject                 // 5xx
)

// Verdict is a policy's answer to a result. For Defer and Reject, Code,
// Enh and Text are the SMTP reply.
type Verdict struct {
	Action Action
	Code   int
	Enh    string
	Text   string
}

// worse returns the stronger of two verdicts (Reject over Defer over
// MarkSpam over Deliver).
func worse(a, b Verdict) Verdict {
	if b.Action > a.Action {
		return b
	}
	return a
}

// deferred is the reply to a temperror under Refuse: RFC 3463 X.4.3 is a
// directory (DNS) server failure.
func deferred(check string) Verdict {
	return Verdict{Action: Defer, Code: 451, Enh: "4.4.3", Text: check + " check failed temporarily (DNS); try again later"}
}

// spfVerdict applies SPFPolicy to the MAIL FROM result (RFC 7208 §8).
func spfVerdict(p Policy, r SPFOutcome) Verdict {
	switch {
	case p == Refuse && r.Result == "fail": // §8.4: the domain says this host may not send
		return Verdict{Action: Reject, Code: 550, Enh: "5.7.23", // RFC 7372 §3.2
			Text: fmt.Sprintf("SPF of %s does not allow %s to send its mail", r.Domain, r.IP)}
	case p == Refuse && r.Result == "temperror":
		return deferred("SPF")
	case (p == Refuse || p == Mark) && r.Result == "softfail": // §8.5: not refused outright
		return Verdict{Action: MarkSpam}
	case p == Mark && r.Result == "fail":
		return Verdict{Action: MarkSpam}
	}
	return Verdict{}
}

// dkimVerdict applies DKIMPolicy to the message's DKIM result.
func dkimVerdict(p Policy, result string) Verdict {
	switch {
	case p == Refuse && result == "fail":
		return Verdict{Action: Reject, Code: 550, Enh: "5.7.20", // RFC 7372 §3.1
			Text: "no valid DKIM signature"}
	case p == Refuse && result == "temperror":
		return deferred("DKIM")
	case p == Mark && result == "fail":
		return Verdict{Action: MarkSpam}
	}
	return Verdict{}
}

// dmarcVerdict applies DMARCPolicy to the DMARC outcome (RFC 7489 §6.6.4).
func dmarcVerdict(p Policy, r DMARCOutcome) Verdict {
	reject := Verdict{Action: Reject, Code: 550, Enh: "5.7.1",
		Text: "DMARC policy of " + r.Domain + " rejects this message"}
	if p == Refuse {
		reject.Text = r.Domain + " fails DMARC"
	}
	switch {
	case r.Result == "temperror" && (p == Refuse || p == Honour):
		return deferred("DMARC")
	case r.Result != "fail":
		return Verdict{}
	case p == Refuse:
		return reject
	case p == Mark:
		return Verdict{Action: MarkSpam}
	case p == Honour && r.Policy == "reject":
		return reject
	case p == Honour && r.Policy == "quarantine":
		return Verdict{Action: MarkSpam}
	}
	return Verdict{}
}
