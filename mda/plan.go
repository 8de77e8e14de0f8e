package mda

import (
	"errors"
	"fmt"
	"strings"

	"mailq/address"
	"mailq/config"
	"mailq/logs"
	"mailq/queue"
	"mailq/route"
)

// action is what happens to one recipient.
type action int

const (
	actMailbox   action = iota // a copy in an account's mailbox
	actUnknown                 // a copy in the unknown folder
	actExternal                // into the external set for the MXA
	actFail                    // given up into failed/
	actDuplicate               // same copy as an earlier recipient
)

func (a action) log() logs.MDAAction {
	switch a {
	case actMailbox:
		return logs.MDADelivered
	case actUnknown:
		return logs.MDAUnknown
	case actExternal:
		return logs.MDAExternal
	case actFail:
		return logs.MDAFailed
	}
	return logs.MDADuplicate
}

// target is the decision for one recipient of a set.
type target struct {
	n      int    // the recipient's number (queue.Recipient.N)
	addr   string // where it goes: the mailbox, unknown folder or external address
	orig   string // the address as received, when aliases changed it
	act    action
	folder string // address.SafeName(addr) for actMailbox and actUnknown
	loop   string // the alias chain, when it looped
	dupOf  int    // for actDuplicate: the recipient number that has the copy
	result string // for actFail: the reply line kept in failed/ and the notice
	// The DSN request (RFC 3461), carried to the external set and the
	// notice: NOTIFY and ORCPT of the recipient.
	notify queue.Notify
	orcpt  string
}

// plan is what filing a set will do, decided before anything is written.
type plan struct {
	targets []target
}

// malformedError is a set that can never be filed as it is: it is
// quarantined with this reason.
type malformedError struct{ reason string }

func (e *malformedError) Error() string { return e.reason }

func malformed(format string, args ...any) error {
	return &malformedError{reason: fmt.Sprintf(format, args...)}
}

// resolver is what the MDA needs of route.Table.
type resolver interface {
	Resolve(addr string) (route.Result, error)
}

// planner decides where each recipient goes. It does no I/O beyond the
// resolver's account lookups.
type planner struct {
	routes        resolver
	refileUnknown bool
	domain        string         // the domain of the domainless Postmaster
	capture       config.Capture // capture mode (capture.go)
}

// plan decides every recipient of env, or returns a *malformedError for an
// envelope that cannot be filed (nothing has been written then).
func (p *planner) plan(env *queue.Envelope) (*plan, error) {
	if env.From != "" {
		if _, err := address.ParseMailbox(env.From); err != nil {
			return nil, malformed("the sender %q is not an address: %v", env.From, err)
		}
	}
	pl := &plan{}
	seen := map[string]int{} // copy key → recipient number that has it
	for _, r := range env.Recipients {
		t, err := p.target(r)
		if err != nil {
			return nil, err
		}
		t.notify, t.orcpt = r.Notify, r.ORcpt
		key := t.key()
		if first, dup := seen[key]; dup {
			t.act, t.dupOf = actDuplicate, first
		} else {
			seen[key] = t.n
		}
		pl.targets = append(pl.targets, t)
	}
	return pl, nil
}

// target decides one recipient.
func (p *planner) target(r queue.Recipient) (target, error) {
	if p.capture.On {
		return p.captureTarget(r), nil
	}
	addr := r.Addr
	bare := strings.EqualFold(addr, "postmaster")
	if bare {
		domain := p.domain
		if domain == "" {
			domain = "localhost"
		}
		addr = "postmaster@" + domain // RFC 5321 §4.1.1.3: the receiving host's postmaster
	} else if _, err := parseRcpt(addr); err != nil {
		// One bad recipient never sinks the others: it is given up on its
		// own (issue 22).
		return target{n: r.N, addr: r.Addr, act: actFail, result: badAddress}, nil
	}
	asked := r.Addr
	if r.Orig != "" && validOrig(r.Orig) {
		asked = r.Orig
	}
	t := target{n: r.N}
	res, err := p.routes.Resolve(addr)
	switch {
	case errors.Is(err, route.ErrLoop):
		// A configuration error: keep the mail in sight, under the
		// address as received.
		t.act, t.addr, t.loop = actUnknown, strings.ToLower(addr), strings.Join(res.Chain, " -> ")
	case err != nil:
		return target{}, malformed("recipient %d %q: %v", r.N, r.Addr, err)
	case res.Kind == route.Group:
		// expandGroups replaced every group before planning; one seen here
		// came into being between the two. The next attempt expands it.
		return target{}, fmt.Errorf("mda: recipient %d %q is a distribution group not yet expanded", r.N, r.Addr)
	case res.Kind == route.Account:
		t.act, t.addr = actMailbox, res.Addr
	case res.Kind == route.Unknown && (p.refileUnknown || res.Postmaster):
		t.act, t.addr = actUnknown, res.Addr
	case res.Kind == route.Unknown:
		t.act, t.addr, t.result = actFail, res.Addr, noSuchUser
	case bare && res.Kind == route.External:
		// No local domain at all: the postmaster is still ours.
		t.act, t.addr = actUnknown, strings.ToLower(addr)
	default:
		t.act, t.addr = actExternal, res.Addr
	}
	if !strings.EqualFold(asked, t.addr) {
		t.orig = asked
	}
	if t.act == actMailbox || t.act == actUnknown {
		name, err := address.SafeName(t.addr)
		if err != nil {
			// The SMTP server refuses such an address at RCPT with the
			// same function; one that got here anyway (a dropped-in set,
			// an alias changed since) is given up on its own.
			t.act, t.loop, t.result = actFail, "", badAddress
			return t, nil
		}
		t.folder = name
	}
	return t, nil
}

// key identifies the copy a target gets: two recipients with the same key
// would get the same file.
func (t target) key() string {
	switch t.act {
	case actMailbox:
		return "m:" + t.folder
	case actUnknown:
		return "u:" + t.folder
	case actExternal:
		return "x:" + externalKey(t.addr)
	}
	return fmt.Sprintf("f:%d", t.n)
}

// externalKey compares external addresses: the domain is case-insensitive
// (RFC 5321 §2.4), and like the rest of mailq the local part is too.
func externalKey(addr string) string {
	if m, err := address.ParseMailbox(addr); err == nil {
		return m.Key()
	}
	return strings.ToLower(addr)
}

// local reports whether the target gets a copy in a folder under UserPath.
func (t target) local() bool { return t.act == actMailbox || t.act == actUnknown }

// validOrig reports whether an orig attribute is an address, fit for the
// X-Original-To field; anything else is ignored.
func validOrig(s string) bool {
	if strings.EqualFold(s, "postmaster") {
		return true
	}
	_, err := address.ParseMailbox(s)
	return err == nil
}

// parseRcpt reads a recipient of a set: a UTF-8 one (only SMTPUTF8 brings
// them, RFC 6531 §3.3) with the UTF-8 parser, which still refuses control
// characters, so a dropped-in set cannot smuggle them either.
func parseRcpt(addr string) (address.Mailbox, error) {
	for i := 0; i < len(addr); i++ {
		if addr[i] >= 0x80 {
			return address.ParseMailboxUTF8(addr)
		}
	}
	return address.ParseMailbox(addr)
}
