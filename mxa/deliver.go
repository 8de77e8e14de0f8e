package mxa

import (
	"context"
	"errors"
	"net/netip"
	"strconv"

	"mailq/config"
)

// maxAddrs is how many server addresses one delivery attempt tries at most
// (RFC 5321 §5.1 asks for at least two; more only lengthens a hopeless one).
const maxAddrs = 5

// group is the recipients of one set that go the same way.
type group struct {
	plan  plan
	idx   []int    // indexes into the envelope's recipients
	rcpts []string // their addresses, in the same order
}

// deliver tries the servers of g's plan in order until every recipient has
// an answer that is not temporary, or the servers run out (RFC 5321 §5.1).
// Each time a transaction ends, final calls done with the recipients that
// got a final answer (2yz or 5yz), before the session is closed, so their
// outcome is on disk as soon as possible. deliver returns the remaining
// recipients' temporary replies (nil entries for those already final).
func (a *Agent) deliver(ctx context.Context, id string, m *message, g *group, done func(k []int, r []*Reply)) []*Reply {
	at := newAttempt(ctx, a, id, m, g, done)
	if err := g.plan.err; err != nil {
		if !err.Temporary() {
			done(at.open, repeat(err, len(g.rcpts)))
			return nil
		}
		at.note(at.open, err)
	}
	for ti, t := range g.plan.targets {
		if !at.more() || at.target(ti, t) {
			break
		}
	}
	return at.replies()
}

// attempt is one delivery of a group of recipients: the servers tried so
// far, the recipients still open, and the best reply each has had.
type attempt struct {
	ctx  context.Context
	a    *Agent
	id   string // the set's id, for the log
	m    *message
	g    *group
	done func(k []int, r []*Reply) // records final answers (deliver)

	open  []int    // indexes into g.rcpts without a final answer
	temp  []*Reply // the last temporary reply, per recipient
	perm  []*Reply // a permanent reply from a server that may not be the right one
	tried int      // server addresses tried
}

func newAttempt(ctx context.Context, a *Agent, id string, m *message, g *group, done func([]int, []*Reply)) *attempt {
	n := len(g.rcpts)
	at := &attempt{ctx: ctx, a: a, id: id, m: m, g: g, done: done,
		open: make([]int, n), temp: make([]*Reply, n), perm: make([]*Reply, n)}
	for k := range at.open {
		at.open[k] = k
	}
	return at
}

// note keeps r as the latest reply of the recipients open.
func (at *attempt) note(open []int, r *Reply) {
	for _, k := range open {
		if r.Temporary() {
			at.temp[k] = r
		} else {
			at.perm[k] = r
		}
	}
}

// more reports whether another server address may be tried: recipients are
// open, fewer than maxAddrs were tried, and the agent is not stopping.
func (at *attempt) more() bool {
	return len(at.open) > 0 && at.tried < maxAddrs && at.ctx.Err() == nil
}

// target tries the addresses of t, the ti-th server of the plan, and
// reports whether no later server may be tried.
func (at *attempt) target(ti int, t target) (stop bool) {
	if at.a.self.isName(t.host, t.port) {
		// We are one of the servers: drop this one and those after it
		// (RFC 5321 §5.1); with none before, it is a loop.
		if ti == 0 {
			at.note(at.open, loopReply(t.host, t.port))
		}
		return true
	}
	ips, rerr := at.a.router.addrs(at.ctx, t, at.g.plan.implicit)
	if rerr != nil {
		at.note(at.open, rerr)
		return false
	}
	for _, ip := range ips {
		if !at.more() {
			return true
		}
		if at.a.self.isAddr(ip, t.port) {
			if ti == 0 {
				at.note(at.open, loopReply(ip.String(), t.port))
			}
			return true
		}
		if r := at.a.hosts.check(t.host, netip.AddrPortFrom(ip, uint16(t.port))); r != nil {
			at.note(at.open, r) // did not answer lately: the next one, if any
			continue
		}
		at.tried++
		if at.try(t, ip) {
			return true
		}
	}
	return false
}

// try runs one session with one server address for the open recipients,
// leaving open those still without a final answer. It reports whether the
// outcome is uncertain (the connection broke after the final dot), so that
// no other server may be tried now.
func (at *attempt) try(t target, ip netip.Addr) (stop bool) {
	a, id := at.a, at.id
	addr := netip.AddrPortFrom(ip, uint16(t.port))
	rcpts := make([]string, len(at.open))
	for i, k := range at.open {
		rcpts[i] = at.g.rcpts[k]
	}
	a.log.MXAAttempt(id, t.host+"["+ip.String()+"]:"+strconv.Itoa(t.port), rcpts)
	sess, err := at.dial(t, addr)
	if err != nil {
		at.note(at.open, asReply(err))
		return false
	}
	a.step("connected")
	a.log.MXAInfof(id, "%s: %s (TLS policy %s)", sess.host, sess.tlsOutcome(), t.tls.policy)
	replies, afterDot := sess.send8(at.m, rcpts)
	sess.noteTLS(replies) // tls.go
	for _, r := range replies {
		if r != nil && unreachable(r) != nil && at.ctx.Err() == nil {
			a.hosts.result(addr, r) // timed out or dropped mid-transaction
			break
		}
	}
	at.settle(replies)
	if afterDot {
		sess.close()
		a.log.MXAWarnf(id, "%s: the connection broke after the end of the data; the message may have arrived and may be sent again", sess.host)
		return true
	}
	sess.quit()
	return false
}

// dial connects to server t at addr and notes the outcome for the host
// cache.
func (at *attempt) dial(t target, addr netip.AddrPort) (*session, error) {
	a := at.a
	sess, err := a.client.dial(at.ctx, t.host, addr, t.login, t.tls, at.m.size)
	var te *tlsError
	if errors.As(err, &te) && t.tls.policy == config.TLSOpportunistic && !t.tls.implicit {
		// Opportunistic TLS failed: connect again in plain text (RFC 7435
		// §3), as the mail would otherwise never leave.
		a.log.MXAInfof(at.id, "%s; trying again without TLS", te.r.Error())
		sess, err = a.client.dial(at.ctx, t.host, addr, t.login, plainMode, at.m.size)
	}
	if at.ctx.Err() == nil {
		a.hosts.result(addr, err) // not when stopping: that says nothing of the server
	}
	return sess, err
}

// settle records the replies of one transaction, one per open recipient:
// the final ones (2yz, 5yz) through done, at once; the temporary ones are
// noted and stay open.
func (at *attempt) settle(replies []*Reply) {
	var left, doneK []int
	var doneR []*Reply
	for i, k := range at.open {
		r := replies[i]
		if r.Code/100 == 2 || !r.Temporary() {
			doneK, doneR = append(doneK, k), append(doneR, r)
			continue
		}
		at.note([]int{k}, r)
		left = append(left, k)
	}
	at.open = left
	if len(doneK) > 0 {
		at.a.step("replied")
		at.done(doneK, doneR)
	}
}

// replies returns, per recipient, the reply deliver reports for one still
// open: its last temporary reply, else a permanent one from a server that
// may not be the right one, else "no server"; nil for the others.
func (at *attempt) replies() []*Reply {
	out := make([]*Reply, len(at.g.rcpts))
	for _, k := range at.open {
		switch {
		case at.temp[k] != nil:
			out[k] = at.temp[k]
		case at.perm[k] != nil:
			out[k] = at.perm[k]
		default:
			out[k] = local("4.4.4", "no server to deliver to")
		}
	}
	return out
}

func repeat(r *Reply, n int) []*Reply {
	out := make([]*Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

// loopReply is the answer for mail that would come back to us. It is
// temporary: a configuration error the administrator can fix while the mail
// waits (X.4.6, routing loop, RFC 3463 §3.5).
func loopReply(host string, port int) *Reply {
	return local("4.4.6", "%s port %d is this server: mail would loop back to it", host, port)
}
