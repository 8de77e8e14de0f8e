// Command mqbench measures mailq side by side with its peers in one
// interleaved run on this machine, and prints one table of medians with
// mailq's ratio to each. It is a measuring tool, not part of the server, and
// not part of "go test": speed goals live here, never in timed assertions.
//
//	go build -o /tmp/mailq . && go run ./tools/mqbench -mailq /tmp/mailq -rounds 5
//
// Each round starts every target afresh in its own temporary folder (under
// -dir, so that all of them and the probe write the same disk), on loopback
// ports, runs its load, and stops it by its PID:
//
//   - SMTP: -n messages of -size bytes over -sessions sessions, a new
//     connection per message (smtp-source when installed, else a Go client
//     doing the same), timed until every message is in the recipient's
//     mailbox. Targets: mailq with /mda, with direct filing and with
//     [MDA] DirectFiling=False (the queue path); a private Postfix (master -c DIR
//     -d, its virtual(8) agent delivering to a Maildir), when installed;
//     smtp-sink (protocol only, nothing stored), when installed.
//   - The probes: the syscalls mailq's design needs per message, on the same
//     disk: the queue path with 20 goroutines and with 1, direct filing with
//     20 (probe.go).
//   - POP3: mailq /pop and a private Dovecot (dovecot -c FILE -F), when
//     installed: 10 sessions on 10 mailboxes at once, 10 x 10 MB in one
//     session, and the time from PASS to the end of LIST of a 10,000-message
//     mailbox at the first login, the second, and the first after a restart.
//
// -base adds an earlier build of mailq as one more target, for before and
// after figures from the same run.
//
// Peak memory is sampled from /proc (the PSS and RSS summed over each
// server's processes).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"mailq/internal/benchutil"
)

// opts are the command line.
type opts struct {
	mailq, base, dir       string
	rounds, n, sessions    int
	size                   int
	popMsgs, popBig, stats int
	only                   string
	peers                  bool
}

func main() {
	var o opts
	flag.StringVar(&o.mailq, "mailq", "", "the mailq binary (required; go build -o /tmp/mailq .)")
	flag.StringVar(&o.base, "base", "", "another mailq binary (an earlier build), measured as one more target")
	flag.StringVar(&o.dir, "dir", "", "where the servers' temporary folders go (empty: the system's)")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds (each target once per round)")
	flag.IntVar(&o.n, "n", 5000, "SMTP messages per round")
	flag.IntVar(&o.sessions, "sessions", 20, "concurrent SMTP sessions (and probe goroutines)")
	flag.IntVar(&o.size, "size", 4096, "SMTP message size in bytes")
	flag.IntVar(&o.popMsgs, "popmsgs", 500, "messages of 4 KB in each of the 10 POP3 mailboxes")
	flag.IntVar(&o.popBig, "popbig", 10, "size in MB of each of the 10 large POP3 messages")
	flag.IntVar(&o.stats, "stat", 10000, "messages in the mailbox of the STAT/LIST test")
	flag.BoolVar(&o.peers, "peers", true, "run the peers (Postfix, smtp-sink, Dovecot) when installed")
	flag.StringVar(&o.only, "only", "smtp,probe,pop3", "which parts to run")
	flag.Parse()
	if o.mailq == "" {
		fmt.Fprintln(os.Stderr, "mqbench: -mailq is required")
		os.Exit(2)
	}
	for _, p := range []*string{&o.mailq, &o.base} {
		if abs, err := filepath.Abs(*p); err == nil && *p != "" {
			*p = abs
		}
	}
	defer cleanup()
	r := newResults()
	for round := 1; round <= o.rounds; round++ {
		if err := runRound(o, round, r); err != nil {
			fmt.Fprintln(os.Stderr, "mqbench:", err)
			cleanup()
			os.Exit(1)
		}
	}
	r.print(o)
}

// runRound runs every target once.
func runRound(o opts, round int, r *results) error {
	if strings.Contains(o.only, "smtp") {
		for _, t := range smtpTargets(o) {
			res, err := runSMTP(o, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Printf("round %d  %-28s %7.0f msg/s  (250s %7.0f msg/s)  peak PSS %4d MiB, RSS %4d MiB\n",
				round, t.name, res.stored, res.acked, res.mem.PSS>>20, res.mem.RSS>>20)
			r.add("smtp", t.name, res.stored)
			r.mem(t.name, res.mem)
			r.mem(t.name+", idle", res.idle)
		}
	}
	if strings.Contains(o.only, "probe") {
		for _, p := range []struct {
			g      int
			direct bool
		}{{o.sessions, false}, {1, false}, {o.sessions, true}} {
			name := fmt.Sprintf("probe, %d goroutine(s)", p.g)
			if p.direct {
				name = fmt.Sprintf("probe of direct filing, %d", p.g)
			}
			rate, err := runProbe(o, p.g, p.direct)
			if err != nil {
				return fmt.Errorf("probe: %w", err)
			}
			fmt.Printf("round %d  %-28s %7.0f msg/s\n", round, name, rate)
			r.add("smtp", name, rate)
		}
	}
	if strings.Contains(o.only, "pop3") {
		for _, t := range popTargets(o) {
			res, err := runPOP(o, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			fmt.Printf("round %d  %-28s 10 sessions %7.0f msg/s  10x%d MB %6.0f MB/s  STAT+LIST %v / %v / restart %v  peak PSS %d MiB\n",
				round, t.name, res.parallel, o.popBig, res.bigMBs, res.stat[0], res.stat[1], res.stat[2], res.mem.PSS>>20)
			r.add("pop3 10 sessions", t.name, res.parallel)
			r.add("pop3 big", t.name, res.bigMBs)
			for i, k := range []string{"stat first", "stat second", "stat restart"} {
				r.add(k, t.name, float64(res.stat[i].Microseconds())/1000)
			}
			r.mem(t.name, res.mem)
		}
	}
	return nil
}

// leftovers are the rounds' folders, removed only at the end: removing
// thousands of files between rounds would bill one target for another's
// clean-up.
var leftovers []string

// tempDir makes a fresh folder for one target's round.
func tempDir(o opts, tag string) (string, error) {
	d, err := os.MkdirTemp(o.dir, "mqbench-"+tag)
	if err == nil {
		leftovers = append(leftovers, d)
		err = os.Chmod(d, 0o755) // Postfix's and Dovecot's accounts walk into it
	}
	return d, err
}

// running are the servers started and not yet stopped; cleanup stops them
// by their PID.
var running = map[*exec.Cmd]bool{}

func started(cmd *exec.Cmd) { running[cmd] = true }

func stop(cmd *exec.Cmd) {
	if running[cmd] {
		benchutil.Stop(cmd)
		delete(running, cmd)
	}
}

func cleanup() {
	for cmd := range running {
		stop(cmd)
	}
	for _, d := range leftovers {
		os.RemoveAll(d)
	}
	leftovers = nil
}

// waitFor polls count until it reaches n (or ten minutes pass).
func waitFor(count func() (int, error), n int, start time.Time) error {
	for {
		k, err := count()
		if err != nil {
			return err
		}
		if k >= n {
			return nil
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("only %d of %d stored after 10 minutes", k, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
