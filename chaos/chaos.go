// Package chaos decides, by the [Chaos] rules, which faults to inject: a
// reply in place of the real one, a delay, a dropped or hung connection.
// The SMTP server (and the sink, which is the same server) asks it at each
// stage of a session, the MXA at each delivery attempt.
//
// Decisions are repeatable. Every session (or delivery attempt) draws from
// its own random stream, a PCG seeded with the plan's seed and a hash of a
// key that names the session ("17", "S3": the server's session id, given in
// accept order) or the attempt (set id, destination, attempt number). Only
// the rules of that stream's own commands consume its numbers, so the same
// seed and the same commands give the same decisions whatever other
// sessions run at the same time. The one shared state is the count of a
// rule limited to its first N firings ("2x"), which follows the order in
// which sessions reach the rule.
//
// The package holds no I/O: callers carry out and log the decisions.
package chaos

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"mailq/config"
)

// Plan is the rules of one run with their seed. A nil *Plan injects
// nothing.
type Plan struct {
	seed  uint64
	rules []config.ChaosRule
	fired []atomic.Int64 // per rule, for Times
	has   [8]bool        // has[stage]: some rule applies there
}

// FromRules is the plan of rules written as [Chaos] values (RuleN=...),
// named Rule1, Rule2... in order, with seed: the rules of a test, without
// an INI file.
func FromRules(seed uint64, rules ...string) (*Plan, error) {
	c := config.Chaos{Seed: seed}
	for i, r := range rules {
		cr, err := config.ParseChaosRule(r)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r, err)
		}
		cr.Key = fmt.Sprintf("Rule%d", i+1)
		c.Rules = append(c.Rules, cr)
	}
	return New(c), nil
}

// New returns the plan of c, or nil when c has no rules. A zero seed is
// replaced by a random one, which Seed reports so that it can be logged and
// set to replay the run.
func New(c config.Chaos) *Plan {
	if len(c.Rules) == 0 {
		return nil
	}
	p := &Plan{seed: c.Seed, rules: c.Rules, fired: make([]atomic.Int64, len(c.Rules))}
	for p.seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		p.seed = binary.LittleEndian.Uint64(b[:]) % 1e9 // short enough to type
	}
	for _, r := range c.Rules {
		if int(r.Stage) < len(p.has) {
			p.has[r.Stage] = true
		}
	}
	return p
}

// Seed returns the seed in use.
func (p *Plan) Seed() uint64 { return p.seed }

// Has reports whether a rule applies at stage.
func (p *Plan) Has(stage config.ChaosStage) bool {
	return p != nil && int(stage) < len(p.has) && p.has[stage]
}

// Stream is the random stream of one session or attempt. It is not safe
// for concurrent use: each session owns its own.
type Stream struct {
	p   *Plan
	key string
	r   *mrand.Rand
}

// Stream returns the stream named key; nil for a nil plan.
func (p *Plan) Stream(key string) *Stream {
	if p == nil {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return &Stream{p: p, key: key, r: mrand.New(mrand.NewPCG(p.seed, h.Sum64()))}
}

// Decision is what the rules decided at one stage.
type Decision struct {
	// Delay is the sum of the delays that fired: wait it first.
	Delay time.Duration
	// Final is the reply, drop or hang rule that fired; nil if none.
	Final *config.ChaosRule
	// Close asks to close the connection after the usual answer.
	Close bool
	// Fired lists what fired, for the log.
	Fired []string
}

// Hit reports whether any rule fired.
func (d Decision) Hit() bool { return len(d.Fired) > 0 }

// Decide evaluates the rules of stage for subjects (the address, name or
// IP the stage is about): every delay that fires adds up, a close is
// remembered, and the first reply, drop or hang that fires ends the search.
// A rule below 100% draws one number from the stream each time its stage
// and pattern match, fired or not, so that the draws depend only on this
// stream's commands.
func (s *Stream) Decide(stage config.ChaosStage, subjects ...string) Decision {
	var d Decision
	if s == nil || !s.p.Has(stage) {
		return d
	}
	for i := range s.p.rules {
		r := &s.p.rules[i]
		if r.Stage != stage || !matchAny(r.Pattern, subjects) {
			continue
		}
		draw := -1.0
		if r.Percent < 100 {
			draw = s.r.Float64() * 100
			if draw >= r.Percent {
				continue
			}
		}
		if r.Times > 0 && s.p.fired[i].Add(1) > int64(r.Times) {
			continue
		}
		d.Fired = append(d.Fired, describe(r, draw, s.p.seed, s.key))
		switch r.Action {
		case config.ActDelay:
			d.Delay += r.Delay
		case config.ActClose:
			d.Close = true
		default:
			d.Final = r
			return d
		}
	}
	return d
}

// describe is the log text of a rule that fired.
func describe(r *config.ChaosRule, draw float64, seed uint64, key string) string {
	var what string
	switch r.Action {
	case config.ActReply:
		what = strings.TrimSpace(fmt.Sprintf("%d %s %s", r.Code, r.Enh, r.Text))
	case config.ActDelay:
		what = "delay " + r.Delay.String()
	case config.ActDrop:
		what = "drop the connection"
	case config.ActClose:
		what = "close after the answer"
	case config.ActHang:
		what = "hang"
	}
	chance := ""
	if draw >= 0 {
		chance = fmt.Sprintf(", drew %.2f < %g%%", draw, r.Percent)
	}
	return fmt.Sprintf("chaos %s (%s %s): %s [seed %d, stream %s%s]", r.Key, r.Pattern, r.Stage, what, seed, key, chance)
}

func matchAny(pattern string, subjects []string) bool {
	for _, s := range subjects {
		if Match(pattern, s) {
			return true
		}
	}
	return false
}

// Match reports whether s, in any case, matches the glob pattern
// (lower-case): '*' matches any run of characters, '?' one character.
func Match(pattern, s string) bool {
	s = strings.ToLower(s)
	// Iterative matching with one backtrack point (the last '*'): linear
	// in practice, never exponential.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
