package config

import (
	"strconv"
	"strings"
	"time"
)

// Chaos is the [Chaos] section: faults injected on purpose, so that one
// server exercises the error paths of an application under test (inbound:
// the SMTP instance and the sink) or of our own MXA (outbound, stage SEND).
// With no rules nothing is injected: the section is off by default.
//
//	[Chaos]
//	Seed=42
//	Rule1=* RCPT 30% 451 4.3.0 Try again later
//	Rule2=fail+*@ RCPT 550 5.1.1 No such user
//	Rule3=slow@ RCPT delay 30s
//	Rule4=* MAIL close
//	Rule5=*@example.org SEND 2x 451 4.4.1 Pretend the remote is down
//
// A rule is "pattern STAGE [P%] [Nx] action". The package chaos evaluates
// them; this file only reads them.
type Chaos struct {
	// Seed makes the decisions repeatable: the same seed and the same
	// commands give the same faults. 0 picks a seed at start (logged).
	Seed  uint64
	Rules []ChaosRule
}

// ChaosStage is where a rule applies.
type ChaosStage int

const (
	StageConnect ChaosStage = iota // before the greeting; pattern: the client's IP
	StageHelo                      // HELO or EHLO; pattern: the name given
	StageAuth                      // AUTH; pattern: the mechanism
	StageMail                      // MAIL; pattern: the sender
	StageRcpt                      // RCPT; pattern: the recipient
	StageData                      // the DATA command; pattern: the sender or any recipient
	StageEOD                       // the final dot, before the commit; as DATA
	StageSend                      // an MXA delivery attempt; pattern: any recipient of the attempt
)

var stageNames = [...]string{"CONNECT", "HELO", "AUTH", "MAIL", "RCPT", "DATA", "EOD", "SEND"}

func (s ChaosStage) String() string {
	if s >= 0 && int(s) < len(stageNames) {
		return stageNames[s]
	}
	return "unknown"
}

// ChaosAction is what a rule does when it fires.
type ChaosAction int

const (
	ActReply ChaosAction = iota // answer Code/Enh/Text instead of the real answer
	ActDelay                    // wait Delay, then go on
	ActDrop                     // close the connection at once, without an answer
	ActClose                    // answer as usual, then close the connection
	ActHang                     // never answer; close at the session's Timeout
)

// ChaosRule is one RuleN line.
type ChaosRule struct {
	Key     string // "Rule3", for the log
	Pattern string // lower-case glob: '*' any run, '?' one character; "x@" means "x@*"
	Stage   ChaosStage
	Percent float64 // 0 < Percent <= 100
	Times   int     // fires at most this many times a run; 0 is no limit
	Action  ChaosAction
	Code    int    // ActReply: 4xx or 5xx
	Enh     string // ActReply: the enhanced code, "" if none given
	Text    string // ActReply
	Delay   time.Duration
}

// maxChaosRules bounds the section, as maxLocalMX bounds [LocalMX].
const maxChaosRules = 100

// ruleChaosDelay is a delay action: up to an hour (a longer one is a hang).
var ruleChaosDelay = durationRule{unit: time.Second, min: 0, max: time.Hour}

// readChaos reads one key of [Chaos]: Seed, or RuleN.
func readChaos(ld *loader, key, v string) error {
	if strings.EqualFold(key, "Seed") {
		v = cutComment(v)
		if v == "" {
			return nil
		}
		n, ok := parseUint(v)
		if !ok {
			return ld.valueErr("Chaos", key, v, expected("a whole number (0 = pick one at start)"))
		}
		ld.c.Chaos.Seed = n
		return nil
	}
	if !numbered(key, "Rule") {
		ld.warn("[Chaos] %q is not a known key (expected Seed, Rule1, Rule2, ...); it is ignored", key)
		return nil
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if len(ld.c.Chaos.Rules) == maxChaosRules {
		return ld.valueErr("Chaos", key, v, expected("at most %d rules", maxChaosRules))
	}
	r, err := ParseChaosRule(v)
	if err != nil {
		return ld.valueErr("Chaos", key, v, err)
	}
	r.Key = key
	ld.c.Chaos.Rules = append(ld.c.Chaos.Rules, r)
	return nil
}

// ParseChaosRule reads "pattern STAGE [P%] [Nx] action", where action is a
// reply ("451 4.3.0 text"), "delay 2s", "drop", "close" or "hang".
func ParseChaosRule(v string) (ChaosRule, error) {
	var r ChaosRule
	f := strings.Fields(v)
	if len(f) < 3 {
		return r, expected("pattern STAGE [percent%%] [Nx] action, such as \"* RCPT 30%% 451 4.3.0 Try later\"")
	}
	r.Pattern = strings.ToLower(f[0])
	if strings.HasSuffix(r.Pattern, "@") {
		r.Pattern += "*" // "fail+*@": at any domain
	}
	r.Stage = -1
	for i, n := range stageNames {
		if strings.EqualFold(f[1], n) {
			r.Stage = ChaosStage(i)
		}
	}
	if r.Stage < 0 {
		return r, expected("a stage: one of %s, not %q", strings.Join(stageNames[:], ", "), f[1])
	}
	f, r.Percent = f[2:], 100
	if p, ok := strings.CutSuffix(f[0], "%"); ok && len(f) > 1 {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil || !(x > 0 && x <= 100) {
			return r, expected("a percentage above 0 and at most 100, not %q", f[0])
		}
		f, r.Percent = f[1:], x
	}
	if n, ok := strings.CutSuffix(strings.ToLower(f[0]), "x"); ok && len(f) > 1 {
		times, ok := parseUint(n)
		if !ok || times == 0 || times > maxCount {
			return r, expected("a count of times such as 2x, not %q", f[0])
		}
		f, r.Times = f[1:], int(times)
	}
	return r, r.parseAction(f)
}

func (r *ChaosRule) parseAction(f []string) error {
	switch strings.ToLower(f[0]) {
	case "delay":
		if len(f) != 2 {
			return expected("delay and a duration, such as \"delay 2s\"")
		}
		d, err := parseDuration(f[1], ruleChaosDelay)
		r.Action, r.Delay = ActDelay, d
		return err
	case "drop", "close", "hang":
		if len(f) != 1 {
			return expected("nothing after %s", f[0])
		}
		r.Action = map[string]ChaosAction{"drop": ActDrop, "close": ActClose, "hang": ActHang}[strings.ToLower(f[0])]
		return nil
	}
	code, err := strconv.Atoi(f[0])
	if err != nil || code < 400 || code > 599 {
		return expected("an action: a 4xx or 5xx reply code, delay, drop, close or hang, not %q", f[0])
	}
	r.Action, r.Code, f = ActReply, code, f[1:]
	// RFC 3463 §2: class.subject.detail, the class matching the reply's.
	if len(f) > 0 && len(f[0]) >= 5 && f[0][0] == byte('0'+code/100) && f[0][1] == '.' {
		r.Enh, f = f[0], f[1:]
	}
	r.Text = strings.Join(f, " ")
	if r.Text == "" {
		r.Text = "Refused by a chaos rule"
	}
	return nil
}

// chaosSummary is the start-up line of the section: none while it is off,
// except in the sink (always=true), whose every answer depends on it.
func (c *Config) chaosSummary(always bool) []string {
	if len(c.Chaos.Rules) == 0 {
		if always {
			return []string{"Chaos: off (every command accepted)"}
		}
		return nil
	}
	seed := "picked at start"
	if c.Chaos.Seed != 0 {
		seed = strconv.FormatUint(c.Chaos.Seed, 10)
	}
	return []string{"Chaos: " + strconv.Itoa(len(c.Chaos.Rules)) + " rule(s), seed " + seed}
}
