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
	From, To time.Time // the first and last day read (local dates)
	Days     []DayStats
	Senders  []Count // most messages received first
	Rcpts    []Count
	Refused  []Count // refusals by abuse-control rule, bans included
	MXAFails []Count // deferred and failed recipients by remote host
	Logins   []Login // POP3 and SMTP AUTH, by account
	Problems []string
}

// DayStats counts one day.
type DayStats struct {
	Day                   time.Time
	Received, Bytes       int // messages the SMTP server committed, and their size
	Relayed, Deferred     int // recipients the MXA sent, or must try again
	Failed, Delivered     int // recipients given up; local copies filed by the MDA
	SMTPSessions, Refused int
}

// Count is one name and how often it came up.
type Count struct {
	Name string
	N    int
}

// Login counts the logins of one account.
type Login struct {
	User       string
	OK, Failed int
}

// Summarize reads the dated logs in dir for the days days up to and
// including today (now's local date).
func Summarize(dir string, days int, now time.Time) *Stats {
	days = max(days, 1)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	st := &Stats{From: today.AddDate(0, 0, -(days - 1)), To: today}
	senders, rcpts, refused, fails := counter{}, counter{}, counter{}, counter{}
	logins := map[string]*Login{}
	login := func(user string, ok bool) {
		l := logins[user]
		if l == nil {
			l = &Login{User: user}
			logins[user] = l
		}
		if ok {
			l.OK++
		} else {
			l.Failed++
		}
	}
	for d := st.From; !d.After(today); d = d.AddDate(0, 0, 1) {
		ds := DayStats{Day: d}
		read := func(f File, fn func(Row)) {
			if err := ReadFile(DatedPath(dir, f, d), fn); err != nil {
				st.Problems = append(st.Problems, err.Error())
			}
		}
		read(FileReceived, func(r Row) {
			ds.Received++
			ds.Bytes += atoi(r.Get("size"))
			senders.add(orNull(r.Get("sender")))
			for _, a := range strings.Fields(r.Get("recipients")) {
				rcpts.add(strings.ToLower(a))
			}
		})
		read(FileSMTP, func(r Row) {
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
		read(FilePOP3, func(r Row) {
			switch r.Get("event") {
			case "login":
				login(r.Get("user"), true)
			case "login-failed":
				login(r.Get("user"), false)
			}
			abuse(r, refused)
		})
		read(FileMXA, func(r Row) {
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
		read(FileMDA, func(r Row) {
			if r.Get("action") == string(MDADelivered) {
				ds.Delivered++
			}
		})
		st.Days = append(st.Days, ds)
	}
	st.Senders, st.Rcpts, st.Refused, st.MXAFails = senders.top(), rcpts.top(), refused.top(), fails.top()
	for _, l := range logins {
		st.Logins = append(st.Logins, *l)
	}
	slices.SortFunc(st.Logins, func(a, b Login) int {
		return cmp.Or(cmp.Compare(b.OK+b.Failed, a.OK+a.Failed), cmp.Compare(a.User, b.User))
	})
	return st
}

// abuse counts a refusal or ban of the abuse controls by its rule, which
// leads the detail column ("dnsbl: zen.example ...").
func abuse(r Row, refused counter) {
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
func (c counter) top() []Count {
	out := make([]Count, 0, len(c))
	for n, k := range c {
		out = append(out, Count{n, k})
	}
	slices.SortFunc(out, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Name, b.Name)) })
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
	fmt.Fprintf(w, "mailq statistics, %s to %s\n\n", st.From.Format("2006-01-02"), st.To.Format("2006-01-02"))
	fmt.Fprintf(w, "%-10s %9s %10s %9s %9s %8s %9s %9s %8s\n", "day", "received", "KB", "delivered", "relayed", "deferred", "failed", "sessions", "refused")
	var sum DayStats
	for _, d := range st.Days {
		fmt.Fprintf(w, "%-10s %9d %10d %9d %9d %8d %9d %9d %8d\n", d.Day.Format("2006-01-02"), d.Received, (d.Bytes+1023)/1024,
			d.Delivered, d.Relayed, d.Deferred, d.Failed, d.SMTPSessions, d.Refused)
		sum.Received, sum.Bytes, sum.Delivered = sum.Received+d.Received, sum.Bytes+d.Bytes, sum.Delivered+d.Delivered
		sum.Relayed, sum.Deferred, sum.Failed = sum.Relayed+d.Relayed, sum.Deferred+d.Deferred, sum.Failed+d.Failed
		sum.SMTPSessions, sum.Refused = sum.SMTPSessions+d.SMTPSessions, sum.Refused+d.Refused
	}
	fmt.Fprintf(w, "%-10s %9d %10d %9d %9d %8d %9d %9d %8d\n", "total", sum.Received, (sum.Bytes+1023)/1024,
		sum.Delivered, sum.Relayed, sum.Deferred, sum.Failed, sum.SMTPSessions, sum.Refused)
	list := func(title string, cs []Count) {
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
	list("Top senders", st.Senders)
	list("Top recipients", st.Rcpts)
	list("Refusals by rule", st.Refused)
	list("MXA deferrals and failures by remote host", st.MXAFails)
	fmt.Fprintf(w, "\nLogins (POP3 and SMTP AUTH) by account:\n")
	if len(st.Logins) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, l := range st.Logins {
		fmt.Fprintf(w, "  %7d ok %7d failed  %s\n", l.OK, l.Failed, l.User)
	}
	for _, p := range st.Problems {
		fmt.Fprintf(w, "\nnote: %s\n", p)
	}
}
