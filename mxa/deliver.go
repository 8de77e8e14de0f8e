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
	n := len(g.rcpts)
	temp := make([]*Reply, n) // the last temporary reply
	perm := make([]*Reply, n) // a permanent reply from a server that may not be the right one
	note := func(open []int, r *Reply) {
		for _, k := range open {
			if r.Temporary() {
				temp[k] = r
			} else {
				perm[k] = r
			}
		}
	}
	open := make([]int, n)
	for k := range open {
		open[k] = k
	}
	if g.plan.err != nil {
		if g.plan.err.Temporary() {
			note(open, g.plan.err)
		} else {
			done(open, repeat(g.plan.err, n))
			return nil
		}
	}
	tried := 0
targets:
	for ti, t := range g.plan.targets {
		if len(open) == 0 || tried == maxAddrs || ctx.Err() != nil {
			break
		}
		if a.self.isName(t.host, t.port) {
			// We are one of the servers: drop this one and those after it
			// (RFC 5321 §5.1); with none before, it is a loop.
			if ti == 0 {
				note(open, loopReply(t.host, t.port))
			}
			break
		}
		ips, rerr := a.router.addrs(ctx, t, g.plan.implicit)
		if rerr != nil {
			note(open, rerr)
			continue
		}
		for _, ip := range ips {
			if len(open) == 0 || tried == maxAddrs || ctx.Err() != nil {
				break targets
			}
			if a.self.isAddr(ip, t.port) {
				if ti == 0 {
					note(open, loopReply(ip.String(), t.port))
				}
				break targets
			}
			if r := a.hosts.check(t.host, netip.AddrPortFrom(ip, uint16(t.port))); r != nil {
				note(open, r) // did not answer lately: the next one, if any
				continue
			}
			tried++
			var stop bool
			open, stop = a.try(ctx, id, m, g, t, ip, open, note, done)
			if stop {
				break targets
			}
		}
	}
	out := make([]*Reply, n)
	for _, k := range open {
		switch {
		case temp[k] != nil:
			out[k] = temp[k]
		case perm[k] != nil:
			out[k] = perm[k]
		default:
			out[k] = local("4.4.4", "no server to deliver to")
		}
	}
	return out
}

// try runs one session with one server address for the open recipients and
// returns those still open. stop is true when the outcome is uncertain (the
// connection broke after the final dot) and no other server may be tried now.
func (a *Agent) try(ctx context.Context, id string, m *message, g *group, t target, ip netip.Addr,
	open []int, note func([]int, *Reply), done func([]int, []*Reply)) (left []int, stop bool) {
	addr := netip.AddrPortFrom(ip, uint16(t.port))
	rcpts := make([]string, len(open))
	for i, k := range open {
		rcpts[i] = g.rcpts[k]
	}
	a.log.MXAAttempt(id, t.host+"["+ip.String()+"]:"+strconv.Itoa(t.port), rcpts)
	sess, err := a.client.dial(ctx, t.host, addr, t.login, t.tls, m.size)
	var te *tlsError
	if errors.As(err, &te) && t.tls.policy == config.TLSOpportunistic && !t.tls.implicit {
		// Opportunistic TLS failed: connect again in plain text (RFC 7435
		// §3), as the mail would otherwise never leave.
		a.log.MXAInfof(id, "%s; trying again without TLS", te.r.Error())
		sess, err = a.client.dial(ctx, t.host, addr, t.login, plainMode, m.size)
	}
	if ctx.Err() == nil {
		a.hosts.result(addr, err) // not when stopping: that says nothing of the server
	}
	if err != nil {
		note(open, asReply(err))
		return open, false
	}
	a.step("connected")
	a.log.MXAInfof(id, "%s: %s (TLS policy %s)", sess.host, sess.tlsOutcome(), t.tls.policy)
	replies, afterDot := sess.transact(m, rcpts)
	sess.noteTLS(replies) // tls.go
	for _, r := range replies {
		if r != nil && unreachable(r) != nil && ctx.Err() == nil {
			a.hosts.result(addr, r) // timed out or dropped mid-transaction
			break
		}
	}
	var doneK []int
	var doneR []*Reply
	for i, k := range open {
		r := replies[i]
		if r.Code/100 == 2 || !r.Temporary() {
			doneK, doneR = append(doneK, k), append(doneR, r)
			continue
		}
		note([]int{k}, r)
		left = append(left, k)
	}
	if len(doneK) > 0 {
		a.step("replied")
		done(doneK, doneR)
	}
	if afterDot {
		sess.close()
		a.log.MXAWarnf(id, "%s: the connection broke after the end of the data; the message may have arrived and may be sent again", sess.host)
		return left, true
	}
	sess.quit()
	return left, false
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
