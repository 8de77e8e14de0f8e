package mda

import (
	"errors"
	"slices"
	"strings"

	"mailq/address"
	"mailq/queue"
	"mailq/route"
)

// Distribution groups. Before a set is planned, every recipient that is a
// group is replaced in the set's envelope by the group's members, followed
// through nested groups, each address once; the envelope is rewritten
// durably (queue.UpdateEnvelope) before anything else is written. A crash
// after that finds the members in the envelope, so the replay files them
// as ordinary recipients; the planner's duplicate check then gives each
// mailbox one copy however the members overlap.

// maxGroupMembers bounds one expansion, whatever the configuration.
const maxGroupMembers = 10000

// errGroupTooLarge is a group whose expansion passes maxGroupMembers.
var errGroupTooLarge = errors.New("mda: distribution group too large")

// expandGroups returns env with its group recipients replaced by their
// members, and whether it changed. Members get new numbers above every
// number the set has had; their Orig is the group's address as received,
// for X-Original-To and failure notices.
func (p *planner) expandGroups(env *queue.Envelope) (*queue.Envelope, bool, error) {
	var out []queue.Recipient
	next := 0
	for _, r := range env.Recipients {
		next = max(next, r.N)
	}
	changed := false
	for _, r := range env.Recipients {
		members, ok, err := p.members(r.Addr)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			out = append(out, r)
			continue
		}
		changed = true
		orig := r.Addr
		if r.Orig != "" {
			orig = r.Orig
		}
		for _, m := range members {
			next++
			if next > queue.MaxRecipients {
				return nil, false, errGroupTooLarge
			}
			out = append(out, queue.Recipient{N: next, Addr: m, Orig: orig, Notify: r.Notify, ORcpt: r.ORcpt})
		}
	}
	if !changed {
		return env, false, nil
	}
	e := env.Clone()
	e.Recipients = out
	return e, true, nil
}

// members returns the final members of addr when it is a group: a
// breadth-first walk through nested groups, each group and each member
// once (so a group inside itself, which config refuses, ends too). ok is
// false when addr is not a group.
func (p *planner) members(addr string) (out []string, ok bool, err error) {
	if _, perr := address.ParseMailbox(addr); perr != nil {
		return nil, false, nil // the planner gives it up on its own
	}
	res, err := p.routes.Resolve(addr)
	if err != nil || res.Kind != route.Group {
		return nil, false, nil // not a group; the planner decides the rest
	}
	seenGroup := map[string]bool{strings.ToLower(res.Addr): true}
	seen := map[string]bool{}
	todo := slices.Clone(res.Members)
	for len(todo) > 0 {
		m := todo[0]
		todo = todo[1:]
		r, err := p.routes.Resolve(m)
		if err == nil && r.Kind == route.Group {
			if k := strings.ToLower(r.Addr); !seenGroup[k] {
				seenGroup[k] = true
				todo = append(todo, r.Members...)
			}
			continue
		}
		k := strings.ToLower(m)
		if !seen[k] {
			seen[k] = true
			out = append(out, m)
			if len(out) > maxGroupMembers {
				return nil, false, errGroupTooLarge
			}
		}
	}
	return out, true, nil
}

// expand replaces the group recipients of the set id in the incoming queue
// by their members, durably, before anything else is written for it. A
// group too large to expand quarantines the set: done is then true, and
// the set is done with unless err says otherwise.
func (a *Agent) expand(id queue.ID, env *queue.Envelope) (_ *queue.Envelope, done bool, err error) {
	e, changed, err := a.planner.expandGroups(env)
	if errors.Is(err, errGroupTooLarge) {
		return nil, true, a.quarantine(id, err.Error())
	}
	if err != nil || !changed {
		return env, false, err
	}
	if err := a.tree.UpdateEnvelope(queue.Incoming, e); err != nil {
		return nil, false, err
	}
	a.stepped("expanded", id)
	return e, false, nil
}
