package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"mailq/internal/benchutil"
)

// results collects each round's figure per test and target, in the order
// they first appear.
type results struct {
	tests   []string
	targets map[string][]string
	vals    map[string][]float64 // test + "\x00" + target
	peaks   map[string]benchutil.Memory
}

func newResults() *results {
	return &results{targets: map[string][]string{}, vals: map[string][]float64{}, peaks: map[string]benchutil.Memory{}}
}

func (r *results) add(test, target string, v float64) {
	if !slices.Contains(r.tests, test) {
		r.tests = append(r.tests, test)
	}
	if !slices.Contains(r.targets[test], target) {
		r.targets[test] = append(r.targets[test], target)
	}
	r.vals[test+"\x00"+target] = append(r.vals[test+"\x00"+target], v)
}

func (r *results) mem(target string, m benchutil.Memory) {
	p := r.peaks[target]
	r.peaks[target] = benchutil.Memory{PSS: max(p.PSS, m.PSS), RSS: max(p.RSS, m.RSS)}
}

// headings say what each test measures and in which unit; lower is better
// for the latencies.
var headings = map[string]struct {
	what  string
	lower bool
}{
	"smtp":             {"SMTP accept and deliver, msg/s until in the mailbox (smtp-sink: 250s; probe: the syscalls alone)", false},
	"pop3 10 sessions": {"POP3, 10 sessions on 10 mailboxes at once, msg/s retrieved", false},
	"pop3 big":         {"POP3, 10 large messages in one session, MB/s retrieved", false},
	"stat first":       {"POP3, PASS to the end of LIST, 10,000-message mailbox, first login, ms", true},
	"stat second":      {"POP3, the same, second login, ms", true},
	"stat restart":     {"POP3, the same, first login after a restart, ms", true},
}

// print writes the table of medians: each target's median, its rounds, and
// mailq's ratio to it (>1: mailq is ahead, for rates and latencies alike).
func (r *results) print(o opts) {
	fmt.Printf("\nmedians of %d rounds (SMTP: %d messages of %d bytes, %d sessions, a new connection per message)\n",
		o.rounds, o.n, o.size, o.sessions)
	for _, test := range r.tests {
		h := headings[test]
		fmt.Printf("\n%s\n", h.what)
		// ours is the first mailq target (the default configuration); a
		// further mailq row (the queue path) gets its ratio to the probe.
		var ours, probe float64
		first := ""
		for _, target := range r.targets[test] {
			if strings.HasPrefix(target, "mailq") && first == "" {
				first, ours = target, benchutil.Median(r.vals[test+"\x00"+target])
			}
			if strings.HasPrefix(target, "probe, 20") {
				probe = benchutil.Median(r.vals[test+"\x00"+target])
			}
		}
		for _, target := range r.targets[test] {
			v := r.vals[test+"\x00"+target]
			m := benchutil.Median(v)
			ratio := "—"
			switch {
			case !strings.HasPrefix(target, "mailq") && m > 0 && ours > 0:
				x := ours / m
				if h.lower {
					x = m / ours
				}
				ratio = fmt.Sprintf("mailq %.2fx", x)
			case target != first && strings.HasPrefix(target, "mailq") && m > 0 && probe > 0:
				ratio = fmt.Sprintf("probe %.2fx", m/probe)
			}
			fmt.Printf("  %-34s %9.1f   %-14s (%s)\n", target, m, ratio, rounds(v))
		}
	}
	fmt.Printf("\npeak memory over all rounds (summed over each server's processes; idle: listening, before the load)\n")
	for _, t := range slices.Sorted(maps.Keys(r.peaks)) {
		m := r.peaks[t]
		fmt.Printf("  %-28s PSS %6.1f MiB   RSS %6.1f MiB\n", t, float64(m.PSS)/(1<<20), float64(m.RSS)/(1<<20))
	}
}

func rounds(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.0f", x)
		if x < 10 {
			s[i] = fmt.Sprintf("%.1f", x)
		}
	}
	return strings.Join(s, " ")
}
