package config

import (
	"fmt"
	"strings"
)

// Distribution groups are [EmailAlias] entries with more than one address
// after the alias: "ItemN=team@example.com,ann@example.com,bob@example.com".
// The MDA gives each member, followed through further aliases and groups,
// exactly one copy; the loop check covers groups like chains.

// maxGroupTargets bounds one entry; a larger list is a mistake, and the MDA
// bounds a whole expansion anyway.
const maxGroupTargets = 1000

// Targets returns every address the alias leads to: one for a plain alias,
// several for a group.
func (a Alias) Targets() []string {
	return append([]string{a.To}, a.Also...)
}

// IsGroup reports whether the alias is a distribution group.
func (a Alias) IsGroup() bool { return len(a.Also) > 0 }

// parseTargets reads the comma-separated addresses after the alias.
func parseTargets(v string) ([]string, error) {
	parts := strings.Split(v, ",")
	if len(parts) > maxGroupTargets {
		return nil, expected("at most %d addresses in one entry", maxGroupTargets)
	}
	var out []string
	for _, p := range parts {
		t, err := parseMailbox(strings.TrimSpace(p))
		if err != nil {
			return nil, expected("a real address after the comma, such as jim@example.com (for a group, several: jim@example.com,ann@example.com), not %q", strings.TrimSpace(p))
		}
		out = append(out, t)
	}
	return out, nil
}

// aliasSummary says how many aliases and groups there are.
func aliasSummary(c *Config) []string {
	groups := 0
	for _, a := range c.Aliases {
		if a.IsGroup() {
			groups++
		}
	}
	s := fmt.Sprintf("Email aliases: %d", len(c.Aliases)-groups)
	if groups > 0 {
		s += fmt.Sprintf("; distribution groups: %d", groups)
		if c.MDA.GroupsLocalOnly {
			s += " (local senders only)"
		}
	}
	return []string{s}
}
