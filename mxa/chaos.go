package mxa

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mailq/config"
)

// Chaos at stage SEND (package chaos): an attempt to a destination fails
// on purpose, as if the remote server had answered with the rule's reply,
// so that retries, expiry and failure notices can be watched end to end
// without a broken remote. A rule matches when its pattern matches any
// recipient of the attempt, and then decides for the whole attempt (one
// destination, one session). "drop" and "hang" fail it as a lost or
// silent connection would (4.4.2); "delay" waits, then the attempt goes
// on; "close" means nothing here.
//
// The stream of an attempt is named by the set's id, the destination and
// the attempt's number, so a replay with the same seed decides alike.

// chaos applies the SEND rules to an attempt of g. When they decide its
// outcome it reports true with the replies as deliver returns them: a
// permanent reply is recorded at once through done, a temporary one
// returned for the caller to record.
func (j *job) chaos(ctx context.Context, g *group, done func([]int, []*Reply)) ([]*Reply, bool) {
	p := j.a.opt.Chaos
	if !p.Has(config.StageSend) || len(g.idx) == 0 {
		return nil, false
	}
	id := string(j.env.ID)
	dest := strings.TrimPrefix(strings.TrimPrefix(g.plan.key, "mx:"), "host:")
	attempt := j.env.Recipients[g.idx[0]].Attempts + 1
	d := p.Stream(attemptKey(id, g.plan.key, attempt)).Decide(config.StageSend, g.rcpts...)
	for _, f := range d.Fired {
		j.a.log.MXAChaos(id, "attempt %d to %s: %s", attempt, dest, f)
	}
	if d.Delay > 0 {
		t := time.NewTimer(d.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, false // stopping: deliver sees ctx and tries nothing
		}
	}
	if d.Final == nil {
		return nil, false
	}
	var r *Reply
	switch d.Final.Action {
	case config.ActReply:
		r = &Reply{Code: d.Final.Code, Enh: d.Final.Enh, Lines: []string{d.Final.Text}, Host: dest + " (chaos)"}
	case config.ActDrop:
		r = local("4.4.2", "%s: the connection was dropped (chaos %s)", dest, d.Final.Key)
	default: // hang
		r = local("4.4.2", "%s: no answer (chaos %s)", dest, d.Final.Key)
	}
	n := len(g.rcpts)
	if !r.Temporary() {
		all := make([]int, n)
		for k := range all {
			all[k] = k
		}
		done(all, repeat(r, n))
		return make([]*Reply, n), true
	}
	return repeat(r, n), true
}

// attemptKey names the stream of attempt number n of set id to the
// destination key.
func attemptKey(id, key string, n int) string { return fmt.Sprintf("%s %s #%d", id, key, n) }
