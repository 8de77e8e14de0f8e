package config

import (
	"fmt"
	"sort"
	"strings"
)

// "Did you mean" hints for unknown keys, sections and switches.

// fold drops case and the separators people put in names ("Host Name",
// "smtp_port").
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != ' ' && r != '_' && r != '-' && r != '.' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// closest returns the candidate nearest to word, or "" when none is near
// enough to be a likely typo.
func closest(word string, candidates []string) string {
	w := fold(word)
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(w, fold(c))
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := 1
	if len(w) >= 6 {
		limit = 2
	}
	if best == "" || bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 1 << 10
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// sectionKeys returns the key names of a section with fixed keys.
func sectionKeys(sec string) []string {
	var out []string
	for _, k := range iniKeys() {
		if k.sec == sec {
			out = append(out, k.name)
		}
	}
	return out
}

func sectionList() []string {
	var out []string
	for lower, name := range sectionNames {
		if !ignoredSections[lower] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// unknownKey warns about key in sec, with the likeliest meant key.
func (ld *loader) unknownKey(sec, key string) {
	msg := fmt.Sprintf("[%s] %q is not a known key; it is ignored", sec, key)
	if hint := keyHint(sec, key); hint != "" {
		msg += "; " + hint
	}
	ld.warn("%s", msg)
}

func keyHint(sec, key string) string {
	switch f := fold(key); {
	case sec == "Config" && (f == "mda" || f == "mxa"):
		return fmt.Sprintf("to run the agent, set [%s] Enabled=True", strings.ToUpper(f))
	}
	if c := closest(key, sectionKeys(sec)); c != "" {
		return fmt.Sprintf("did you mean %s?", c)
	}
	for _, other := range []string{"Config", "MDA", "MXA"} {
		if other == sec {
			continue
		}
		if c := closest(key, sectionKeys(other)); c != "" && fold(c) == fold(key) {
			return fmt.Sprintf("%s belongs in [%s]", c, other)
		}
	}
	return ""
}
