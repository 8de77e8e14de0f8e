package logs

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Stats is a summary of the CSV logs over some days (the /STATS tool).
type Stats struct {
	from, to time.Time // the first and last day read (local dates)
	days     []dayStats
	senders  []nameCount // most messages received first
	rcpts    []nameCount
	refused  []nameCount  // refusals by abuse-control rule, bans included
	mxaFails []nameCount  // deferred and failed recipients by remote host
	logins   []loginCount // POP3 and SMTP AUTH, by account
	problems []string
}

// dayStats counts one day.
type dayStats struct {
	Day                   time.Time
	Received, Bytes       int // messages the SMTP server committed, and their size
	Relayed, Deferred     int // recipients the MXA sent, or must try again
	Failed, Delivered     int // recipients given up; local copies filed by the MDA
	SMTPSessions, Refused int
}

// nameCount is one name and how often it came up.
type nameCount struct {
	Name string
	N    int
}

// loginCount counts the logins of one account.
type loginCount struct {
	User       string
	OK, Failed int
}

// Summarize reads the dated logs in dir for the days days up to and
// including today (now's local date).
func Summarize(dir string, days int, now time.Time) *Stats {
	days = max(days, 1)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	st := &Stats{from: today.AddDate(0, 0, -(days - 1)), to: today}
	senders, rcpts, refused, fails := counter{}, counter{}, counter{}, counter{}
	logins := map[string]*loginCount{}
	login := func(user string, ok bool) {
		l := logins[user]
		if l == nil {
			l = &loginCount{User: user}
			logins[user] = l
		}
		if ok {
			l.OK++
		} else {
			l.Failed++
		}
	}
	for d := st.from; !d.After(today); d = d.AddDate(0, 0, 1) {
		ds := dayStats{Day: d}
		read := func(f File, fn func(record)) {
			if err := readFile(DatedPath(dir, f, d), fn); err != nil {
				st.problems = append(st.problems, err.Error())
			}
		}
		read(FileReceived, func(r record) {
			ds.Received++
			ds.Bytes += atoi(r.Get("size"))
			senders.add(orNull(r.Get("sender")))
			for _, a := range strings.Fields(r.Get("recipients")) {
				rcpts.add(strings.ToLower(a))
			}
		})
		read(FileSMTP, func(r record) {
			switch r.Get("event") {
			case "connect":
				ds.SMTPSessions++
			case "refused":
				ds.Refused++
			case "auth":
				login(r.Get("user"), true)
			case "auth-failed":
				login(r.Get("user"), false)
			}
			abuse(r, refused)
		})
		read(FilePOP3, func(r record) {
			switch r.Get("event") {
			case "login":
				login(r.Get("user"), true)
			case "login-failed":
				login(r.Get("user"), false)
			}
			abuse(r, refused)
		})
		read(fileMXA, func(r record) {
			switch MXAResult(r.Get("status")) {
			case MXASent:
				ds.Relayed++
			case MXADeferred:
				ds.Deferred++
				fails.add(orNone(r.Get("host")))
			case MXAFailed:
				ds.Failed++
				fails.add(orNone(r.Get("host")))
			}
		})
		read(fileMDA, func(r record) {
			if r.Get("action") == string(MDADelivered) {
				ds.Delivered++
			}
		})
		st.days = append(st.days, ds)
	}
	st.senders, st.rcpts, st.refused, st.mxaFails = senders.top(), rcpts.top(), refused.top(), fails.top()
	for _, l := range logins {
		st.logins = append(st.logins, *l)
	}
	slices.SortFunc(st.logins, func(a, b loginCount) int {
		return cmp.Or(cmp.Compare(b.OK+b.Failed, a.OK+a.Failed), cmp.Compare(a.User, b.User))
	})
	return st
}

// abuse counts a refusal or ban of the abuse controls by its rule, which
// leads the detail column ("dnsbl: zen.example ...").
func abuse(r record, refused counter) {
	switch r.Get("event") {
	case "abuse":
		rule, _, _ := strings.Cut(r.Get("detail"), ":")
		refused.add(rule)
	case "banned":
		refused.add(string(RuleAutoBan) + " (banned)")
	}
}

type counter map[string]int

func (c counter) add(name string) { c[name]++ }

// top returns the counts, most first, then by name.
func (c counter) top() []nameCount {
	out := make([]nameCount, 0, len(c))
	for n, k := range c {
		out = append(out, nameCount{n, k})
	}
	slices.SortFunc(out, func(a, b nameCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name)) })
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func orNull(s string) string {
	if s == "" {
		return "<>"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(no host reached)"
	}
	return s
}

// Print writes the summary as text tables; top limits each top list.
func (st *Stats) Print(w io.Writer, top int) {
	fmt.Fprintf(w, "mailq statistics, %s to %s\n\n", st.from.Format("2006-01-02"), st.to.Format("2006-01-02"))
	fmt.Fprintf(w, "%-10s %9s %10s %9s %9s %8s %9s %9s %8s\n", "day", "received", "KB", "delivered", "relayed", "deferred", "failed", "sessions", "refused")
	var sum dayStats
	for _, d := range st.days {
		fmt.Fprintf(w, "%-10s %9d %10d %9d %9d %8d %9d %9d %8d\n", d.Day.Format("2006-01-02"), d.Received, (d.Bytes+1023)/1024,
			d.Delivered, d.Relayed, d.Deferred, d.Failed, d.SMTPSessions, d.Refused)
		sum.Received, sum.Bytes, sum.Delivered = sum.Received+d.Received, sum.Bytes+d.Bytes, sum.Delivered+d.Delivered
		sum.Relayed, sum.Deferred, sum.Failed = sum.Relayed+d.Relayed, sum.Deferred+d.Deferred, sum.Failed+d.Failed
		sum.SMTPSessions, sum.Refused = sum.SMTPSessions+d.SMTPSessions, sum.Refused+d.Refused
	}
	fmt.Fprintf(w, "%-10s %9d %10d %9d %9d %8d %9d %9d %8d\n", "total", sum.Received, (sum.Bytes+1023)/1024,
		sum.Delivered, sum.Relayed, sum.Deferred, sum.Failed, sum.SMTPSessions, sum.Refused)
	list := func(title string, cs []nameCount) {
		fmt.Fprintf(w, "\n%s:\n", title)
		if len(cs) == 0 {
			fmt.Fprintln(w, "  (none)")
		}
		for i, c := range cs {
			if i == top {
				fmt.Fprintf(w, "  ... %d more\n", len(cs)-top)
				break
			}
			fmt.Fprintf(w, "  %7d  %s\n", c.N, c.Name)
		}
	}
	list("Top senders", st.senders)
	list("Top recipients", st.rcpts)
	list("Refusals by rule", st.refused)
	list("MXA deferrals and failures by remote host", st.mxaFails)
	fmt.Fprintf(w, "\nLogins (POP3 and SMTP AUTH) by account:\n")
	if len(st.logins) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, l := range st.logins {
		fmt.Fprintf(w, "  %7d ok %7d failed  %s\n", l.OK, l.Failed, l.User)
	}
	for _, p := range st.problems {
		fmt.Fprintf(w, "\nnote: %s\n", p)
	}
}
