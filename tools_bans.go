package main

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"mailq/config"
	"mailq/logs"
	"mailq/policy"
)

// /BANS lists ipblock.txt with when each automatic ban ends; /UNBAN:address
// lifts the automatic bans that cover an address (hand-written lines are
// named, not edited) and forgets its failed logins, so that the next
// failure does not ban it again at once.

func loadForBans(args []string, stdout io.Writer) (*config.Config, bool) {
	inv, err := config.ParseArgs(args)
	if err == nil && inv.Command != config.CmdRun {
		err = fmt.Errorf("only /INI may follow")
	}
	var cfg *config.Config
	if err == nil {
		cfg, err = config.Load(inv, environment())
	}
	if err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return nil, false
	}
	return cfg, true
}

func banList(cfg *config.Config) *policy.BlockList {
	return policy.NewBlockList(cfg.Paths.IPBlock, policy.BlockListOptions{Expire: cfg.Abuse.AutoBanExpire})
}

func runBans(_ string, args []string, stdout io.Writer) int {
	cfg, ok := loadForBans(args, stdout)
	if !ok {
		return exitUsage
	}
	l := banList(cfg)
	bans := l.Bans()
	fmt.Fprintf(stdout, "%s: %d entr%s\n", cfg.Paths.IPBlock, len(bans), map[bool]string{true: "y", false: "ies"}[len(bans) == 1])
	for _, b := range bans {
		switch {
		case b.Banned.IsZero():
			fmt.Fprintf(stdout, "  %-24s written by hand\n", b.Prefix)
		case b.Expires.IsZero():
			fmt.Fprintf(stdout, "  %-24s banned %s, for ever (AutoBanMinutes=0)\n", b.Prefix, b.Banned.Local().Format(time.DateTime))
		default:
			fmt.Fprintf(stdout, "  %-24s banned %s, ends %s\n", b.Prefix, b.Banned.Local().Format(time.DateTime), b.Expires.Local().Format(time.DateTime))
		}
	}
	for _, p := range l.Problems() {
		fmt.Fprintf(stdout, "warning: %s\n", logs.Escape(p))
	}
	return exitOK
}

func runUnban(val string, args []string, stdout io.Writer) int {
	ip, err := netip.ParseAddr(val)
	if err != nil {
		fmt.Fprintf(stdout, "mailq: /UNBAN needs an IP address, such as /UNBAN:192.0.2.7, not %q\n", val)
		return exitUsage
	}
	cfg, ok := loadForBans(args, stdout)
	if !ok {
		return exitUsage
	}
	removed, hand, err := banList(cfg).Unban(ip)
	if err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return exitCommand
	}
	if _, err := policy.ForgetAddress(cfg.Paths.FailedLogins, ip); err != nil {
		fmt.Fprintf(stdout, "mailq: %v\n", err)
		return exitCommand
	}
	// The lines are the file's, maybe written by hand: escaped, so that
	// nothing in them drives the terminal.
	for _, r := range removed {
		fmt.Fprintf(stdout, "mailq: removed %s\n", logs.Escape(r))
	}
	for _, h := range hand {
		fmt.Fprintf(stdout, "mailq: %s also covers %s; it was written by hand: edit %s to lift it\n", logs.Escape(h), ip, cfg.Paths.IPBlock)
	}
	if len(removed) == 0 {
		if len(hand) == 0 {
			fmt.Fprintf(stdout, "mailq: %s is not banned\n", ip)
		}
		return exitCommand
	}
	fmt.Fprintf(stdout, "mailq: %s may connect again (the running instances see it within a second)\n", ip)
	return exitOK
}
