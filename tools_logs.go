package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"mailq/config"
	"mailq/logs"
)

// The log tools: /TAIL follows a log, /STATS summarises the logs. Both find
// the logs folder through mailq.ini like the instances do.

// logsDir returns the logs folder of the mailq.ini these switches find.
func logsDir(args []string) (string, []string, error) {
	var ini string
	var rest []string
	for _, a := range args {
		if name, v, ok := strings.Cut(strings.TrimLeft(a, "/-"), ":"); ok && strings.EqualFold(name, "INI") {
			ini = v
			continue
		}
		rest = append(rest, a)
	}
	cfg, err := config.Load(&config.Invocation{INI: ini}, environment())
	if err != nil {
		return "", nil, err
	}
	return cfg.Paths.Logs, rest, nil
}

// numberSwitch reads "/NAME:n" among args.
func numberSwitch(args []string, name string, n *int) error {
	for _, a := range args {
		k, v, ok := strings.Cut(strings.TrimLeft(a, "/-"), ":")
		if !ok || !strings.EqualFold(k, name) {
			return fmt.Errorf("unknown argument %q", a)
		}
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 || x > 100000 {
			return fmt.Errorf("/%s needs a number, not %q", name, v)
		}
		*n = x
	}
	return nil
}

func runTail(val string, args []string, stdout io.Writer) int {
	kind := logs.FileSMTP
	if val != "" {
		kind = ""
		for _, k := range logs.Kinds {
			if strings.EqualFold(val, string(k)) {
				kind = k
			}
		}
		if kind == "" {
			fmt.Fprintf(stdout, "mailq: /TAIL:%s: not a log (one of %v)\n", val, logs.Kinds)
			return exitUsage
		}
	}
	dir, rest, err := logsDir(args)
	lines := 10
	if err == nil {
		err = numberSwitch(rest, "LINES", &lines)
	}
	if err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return exitUsage
	}
	ctx, cancel := toolContext()
	defer cancel()
	fmt.Fprintf(stdout, "-- %s (Ctrl-C ends)\n", logs.DatedPath(dir, kind, time.Now()))
	if err := logs.Tail(ctx, logs.TailOptions{Dir: dir, File: kind, Lines: lines, Out: stdout, Color: colorful(stdout)}); err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func runStats(val string, args []string, stdout io.Writer) int {
	days := 7
	if val != "" {
		d, err := strconv.Atoi(val)
		if err != nil || d < 1 || d > 3660 {
			fmt.Fprintf(stdout, "mailq: /STATS:%s: give a number of days\n", val)
			return exitUsage
		}
		days = d
	}
	dir, rest, err := logsDir(args)
	top := 10
	if err == nil {
		err = numberSwitch(rest, "TOP", &top)
	}
	if err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return exitUsage
	}
	logs.Summarize(dir, days, time.Now()).Print(stdout, top)
	return exitOK
}
