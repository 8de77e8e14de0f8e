package main

import (
	"fmt"
	"io"
	"time"

	"mailq/config"
	"mailq/lockfile"
)

// stopWait bounds how long /STOP waits for a stopped instance to exit. An
// instance closes its listener within a second of losing its lock file and
// then lets sessions in progress finish (up to Timeout), so after this long
// the port is free even if the process is still finishing a session.
const stopWait = 15 * time.Second

// stopCommand removes the lock files of the instances running from this
// folder, which tells them to shut down, and waits for them to exit.
func stopCommand(inv *config.Invocation, cfg *config.Config, stdout, stderr io.Writer) int {
	type target struct {
		name, path string
	}
	var targets []target
	if inv.Stop == config.StopAll || inv.Stop == config.StopSMTP {
		targets = append(targets, target{"SMTP", cfg.Paths.SMTPLock})
	}
	if inv.Stop == config.StopAll || inv.Stop == config.StopPOP {
		targets = append(targets, target{"POP3", cfg.Paths.POPLock})
	}
	if inv.Stop == config.StopAll || inv.Stop == config.StopWeb {
		targets = append(targets, target{"web", cfg.Paths.WebLock})
	}
	if inv.Stop == config.StopAll || inv.Stop == config.StopSink {
		targets = append(targets, target{"sink", cfg.Paths.SinkLock})
	}
	var waiting []lockfile.Owner
	var names []string
	status := exitOK
	for _, t := range targets {
		owner, readErr := lockfile.Read(t.path)
		existed, err := lockfile.Remove(t.path)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "mailq: cannot remove %s: %v\n", t.path, err)
			status = exitCommand
		case !existed:
			fmt.Fprintf(stdout, "mailq: no %s instance is running from %s\n", t.name, cfg.BaseDir)
		case readErr != nil || owner.PID == 0:
			fmt.Fprintf(stdout, "mailq: removed %s; the %s instance will stop\n", t.path, t.name)
		default:
			fmt.Fprintf(stdout, "mailq: stopping the %s instance (pid %d)\n", t.name, owner.PID)
			waiting = append(waiting, owner)
			names = append(names, t.name)
		}
	}
	deadline := time.Now().Add(stopWait)
	for i, o := range waiting {
		for o.Running() && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if o.Running() {
			fmt.Fprintf(stdout, "mailq: the %s instance (pid %d) is still finishing its sessions; it exits when they end\n", names[i], o.PID)
		}
	}
	return status
}
