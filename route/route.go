// Package route decides what a recipient address is to this server: a local
// account, an unknown user at a local domain, or an external address, after
// following [EmailAlias] entries. The SMTP server asks it at RCPT time and the
// MDA asks it again when filing, so both apply one rule. It reads
// configuration and asks a callback whether an account exists; it does no I/O.
package route

import (
	"errors"
	"fmt"
	"strings"

	"mailq/config"
)

// MaxChain is the longest alias chain followed. A longer chain is treated as
// a loop.
const MaxChain = 16

// ErrLoop is returned for an alias chain that comes back to an address it
// already passed, or is longer than MaxChain.
var ErrLoop = errors.New("route: alias loop")

// Kind is what a resolved address is.
type Kind int

const (
	// Account is a local account: the message goes to its mailbox.
	Account Kind = iota
	// Unknown is an address at a local domain with no account.
	Unknown
	// External is an address at a domain that is not ours.
	External
	// Group is a distribution group: an alias with several targets. The
	// MDA expands it into its members (Result.Members), resolving each in
	// turn; it has no mailbox of its own.
	Group
)

func (k Kind) String() string {
	switch k {
	case Account:
		return "account"
	case Unknown:
		return "unknown"
	case Group:
		return "group"
	}
	return "external"
}

// Result is the outcome of Resolve.
type Result struct {
	Kind Kind
	// Addr is the final address, lower-cased when it is local.
	Addr string
	// Chain lists the aliases followed, in order, starting with the address
	// asked about; it has one element when no alias applied.
	Chain []string
	// Postmaster is set for postmaster at a local domain, which is always
	// accepted (RFC 5321 §4.5.1) even when it has no account.
	Postmaster bool
	// Members are the targets of a Group, as configured (not yet resolved).
	Members []string
}

// Table resolves recipient addresses. It is safe for concurrent use.
type Table struct {
	domains map[string]bool
	full    map[string][]string // alias address → targets (several for a group)
	bare    map[string][]string // alias local part → targets, at every local domain
	exists  func(addr string) bool
}

// New builds a Table from the local domains, the [EmailAlias] entries and a
// function that reports whether a (lower-case) account exists. exists is
// called on every lookup, so accounts added while the server runs count at
// once.
func New(domains []string, aliases []config.Alias, exists func(addr string) bool) *Table {
	t := &Table{domains: map[string]bool{}, full: map[string][]string{}, bare: map[string][]string{}, exists: exists}
	for _, d := range domains {
		t.domains[strings.ToLower(d)] = true
	}
	for _, a := range aliases {
		from := strings.ToLower(strings.TrimSpace(a.From))
		var to []string
		for _, x := range a.Targets() {
			if x = strings.TrimSpace(x); x != "" {
				to = append(to, x)
			}
		}
		if from == "" || len(to) == 0 {
			continue
		}
		if strings.Contains(from, "@") {
			t.full[from] = to
		} else {
			t.bare[from] = to
		}
	}
	return t
}

// LocalDomain reports whether domain is one of ours.
func (t *Table) LocalDomain(domain string) bool {
	return t.domains[strings.ToLower(domain)]
}

// Resolve follows aliases from addr (local@domain, no brackets) and says what
// the final address is. An alias may point at an external address (a
// forward). It returns ErrLoop for a cycle or a chain over MaxChain.
func (t *Table) Resolve(addr string) (Result, error) {
	cur := addr
	res := Result{}
	seen := map[string]bool{}
	for {
		local, domain := split(cur)
		isLocal := t.LocalDomain(domain)
		key := cur
		if isLocal {
			key = strings.ToLower(cur)
		}
		res.Chain = append(res.Chain, key)
		if seen[key] || len(res.Chain) > MaxChain {
			return res, fmt.Errorf("%w: %s", ErrLoop, strings.Join(res.Chain, " -> "))
		}
		seen[key] = true
		if !isLocal {
			res.Kind, res.Addr = External, cur
			return res, nil
		}
		if next, ok := t.alias(key, strings.ToLower(local)); ok {
			if len(next) > 1 {
				res.Kind, res.Addr, res.Members = Group, key, next
				return res, nil
			}
			cur = next[0]
			continue
		}
		res.Addr = key
		switch {
		case t.exists != nil && t.exists(key):
			res.Kind = Account
		default:
			res.Kind = Unknown
			res.Postmaster = strings.EqualFold(local, "postmaster")
		}
		return res, nil
	}
}

func (t *Table) alias(addr, local string) ([]string, bool) {
	if to, ok := t.full[addr]; ok {
		return to, true
	}
	to, ok := t.bare[local]
	return to, ok
}

func split(addr string) (local, domain string) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, ""
	}
	return addr[:at], addr[at+1:]
}
