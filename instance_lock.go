package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"mailq/config"
	"mailq/lockfile"
)

// acquireLock takes the lock file of the instance cfg.Mode. When it cannot,
// it prints one line to stderr saying why and what to do, and returns false:
// a second instance must say that it refused before anything else, even
// with /Q, since it stops at once.
func acquireLock(cfg *config.Config) (*lockfile.Lock, bool) {
	path := lockPath(cfg)
	lock, err := lockfile.Acquire(path)
	if err == nil {
		return lock, true
	}
	var held *lockfile.HeldError
	if errors.As(err, &held) {
		fmt.Fprintf(os.Stderr, "mailq: not started: %s\n", heldReason(cfg, held))
	} else {
		fmt.Fprintf(os.Stderr, "mailq: not started: cannot create the lock file %s: %v\n", path, err)
	}
	return nil, false
}

func lockPath(cfg *config.Config) string {
	switch cfg.Mode {
	case config.ModePOP:
		return cfg.Paths.POPLock
	case config.ModeWeb:
		return cfg.Paths.WebLock
	case config.ModeSink:
		return cfg.Paths.SinkLock
	}
	return cfg.Paths.SMTPLock
}

// heldReason says who holds the instance's lock and how to stop it.
func heldReason(cfg *config.Config, h *lockfile.HeldError) string {
	stop := fmt.Sprintf("%s /stop:%s", exeName(), stopName(cfg.Mode))
	switch {
	case h.PID == 0:
		return fmt.Sprintf("another %s instance is starting from %s (its lock file %s is being written); try again in a moment",
			cfg.Mode, cfg.BaseDir, h.Path)
	case !sameHost(h.Host):
		return fmt.Sprintf("the %s instance of %s is running on host %s (pid %d, since %s; lock file %s); stop it there, or delete the lock file if that host no longer runs it",
			cfg.Mode, cfg.BaseDir, h.Host, h.PID, h.Started.Local().Format(time.DateTime), h.Path)
	}
	return fmt.Sprintf("the %s instance of %s is already running (pid %d, since %s); stop it with \"%s\" first",
		cfg.Mode, cfg.BaseDir, h.PID, h.Started.Local().Format(time.DateTime), stop)
}

// sameHost reports whether a lock file's host is this machine, as lockfile
// judges it.
func sameHost(host string) bool {
	me, _ := os.Hostname()
	return strings.EqualFold(strings.TrimSpace(host), strings.TrimSpace(me))
}

// statusCommand says, for each instance, whether it runs from this folder:
// go.sh asks before it starts anything, so that a second go.sh never stops
// the first. It exits exitOK if one runs, exitIdle if none does.
func statusCommand(cfg *config.Config, stdout io.Writer) int {
	status := exitIdle
	for _, t := range []struct {
		name, path string
	}{{"SMTP", cfg.Paths.SMTPLock}, {"POP3", cfg.Paths.POPLock}, {"web", cfg.Paths.WebLock}, {"sink", cfg.Paths.SinkLock}} {
		owner, err := lockfile.Read(t.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stdout, "mailq: the %s instance is not running from %s\n", t.name, cfg.BaseDir)
		case err != nil:
			// Unreadable or being written: count it as running, as
			// lockfile.Acquire would refuse it for now.
			fmt.Fprintf(stdout, "mailq: the %s instance may be running from %s (%v)\n", t.name, cfg.BaseDir, err)
			status = exitOK
		case !owner.Running():
			fmt.Fprintf(stdout, "mailq: the %s instance is not running from %s (its stale lock file %s, of pid %d, is taken over at the next start)\n",
				t.name, cfg.BaseDir, t.path, owner.PID)
		default:
			fmt.Fprintf(stdout, "mailq: the %s instance is running from %s (pid %d, since %s)\n",
				t.name, cfg.BaseDir, owner.PID, owner.Started.Local().Format(time.DateTime))
			status = exitOK
		}
	}
	return status
}
