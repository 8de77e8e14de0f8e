package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"mailq/config"
	"mailq/mda"
	"mailq/queue"
)

// releaseCommand is /RELEASE:id /TO:address: the one way a captured message
// leaves a capture tree. It refuses an address outside ReleaseDomains
// (exitCommand, nothing written); otherwise it writes a new set into the
// external queue, which the MXA of the SMTP instance sends: a capturing
// one only to ReleaseDomains, a normal one as any external mail. It works
// on the tree whether or not a server runs, and in or out of capture mode.
func releaseCommand(inv *config.Invocation, cfg *config.Config, stdout, stderr io.Writer) int {
	to := inv.Release.To
	if !cfg.Capture.ReleaseAllowed(to) {
		allowed := "ReleaseDomains is empty"
		if len(cfg.Capture.ReleaseDomains) > 0 {
			allowed = "ReleaseDomains allows only " + strings.Join(cfg.Capture.ReleaseDomains, ", ")
		}
		fmt.Fprintf(stderr, "mailq: not released: %s is not at a domain this server may release mail to (%s in %s); nothing was changed\n",
			to, allowed, iniName(cfg))
		return exitCommand
	}
	p := cfg.Paths
	tree, err := queue.Open(queue.Dirs{
		Incoming: p.Queue, External: p.External, Retry: p.Retry, Sent: p.Sent,
		Failed: p.Failed, Bad: p.Bad, Users: p.Users, Unknown: p.Unknown,
	})
	if err != nil {
		fmt.Fprintf(stderr, "mailq: not released: cannot use the mail folders: %v\n", err)
		return exitCommand
	}
	id, err := mda.Release(tree, queue.ID(inv.Release.ID), to)
	if err != nil {
		if errors.Is(err, mda.ErrNotCaptured) {
			fmt.Fprintf(stderr, "mailq: not released: no mailbox under %s holds message %s\n", p.Users, inv.Release.ID)
		} else {
			fmt.Fprintf(stderr, "mailq: not released: %v\n", err)
		}
		return exitCommand
	}
	fmt.Fprintf(stdout, "mailq: message %s released to %s as %s in %s\n", inv.Release.ID, to, id, p.External)
	if !cfg.MXA.Enabled {
		fmt.Fprintf(stdout, "mailq: the MXA is off ([MXA] Enabled=False): the message waits there until it runs\n")
	}
	return exitOK
}
