// Command mailq is a portable, file-system-queued SMTP and POP3 mail server.
//
// Started without /POP it is the SMTP instance, optionally with its delivery
// (MDA) and exchange (MXA) agents; with /POP it is the POP3 instance. Both read
// one mailq.ini and share one folder tree. Account switches (/ADDUSER,
// /SETPASS, /DELUSER, /UNLOCK) edit mailq.ini and exit; /STOP stops the
// instances running from the same folder. "mailq /?" lists every switch.
//
// Package main parses the command line through config, runs the account and
// stop commands, takes the instance lock, builds the root context and wires
// the servers and agents together. It holds no protocol or file-format logic.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mailq/config"
)

// version is the program version, shown at start and in $ver.
var version = "0.1.0"

func main() {
	if isWindowsService(os.Args[1:]) {
		os.Exit(runService(os.Args[1:], os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // the instance could not start or stopped on an error
	exitUsage   = 2 // bad switches or configuration; nothing was started or changed
	exitCommand = 3 // an account or stop command was refused; nothing was changed
	exitIdle    = 4 // /STATUS: no instance runs from this folder
)

// run is main without os.Exit, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	if tool, val, rest := toolFor(os.Args[0], args); tool != nil {
		return tool(val, rest, stdout)
	}
	if cmd := serviceCommand(args); cmd != nil {
		return cmd(stdout, stderr)
	}
	inv, err := config.ParseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "%v\nRun \"%s /?\" for the list of switches.\n", err, exeName())
		return exitUsage
	}
	switch inv.Command {
	case config.CmdHelp:
		fmt.Fprint(stdout, config.HelpText(exeName()))
		fmt.Fprint(stdout, toolsHelp)
		return exitOK
	case config.CmdVersion:
		fmt.Fprintf(stdout, "mailq %s\n", version)
		return exitOK
	}
	cfg, err := config.Load(inv, environment())
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitUsage
	}
	if inv.Init != "" {
		return initCommand(inv, cfg, stdout, stderr)
	}
	if inv.DKIMKey != nil {
		return dkimKeyCommand(inv.DKIMKey, cfg, stdout, stderr)
	}
	switch inv.Command {
	case config.CmdAddUser, config.CmdSetPass, config.CmdDelUser, config.CmdUnlock:
		printWarnings(stderr, cfg)
		return accountCommand(inv, cfg, stdout, stderr)
	case config.CmdStop:
		return stopCommand(inv, cfg, stdout, stderr)
	case config.CmdStatus:
		return statusCommand(cfg, stdout)
	case config.CmdRelease:
		return releaseCommand(inv, cfg, stdout, stderr) // cmd_release.go
	}
	return serve(cfg)
}

func environment() config.Env {
	env := config.Env{Hostname: os.Hostname}
	if wd, err := os.Getwd(); err == nil {
		env.Cwd = wd
	}
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		env.ExeDir = filepath.Dir(exe)
	}
	return env
}

// exeName is the program to name in messages that tell the user which
// command to run next: as typed when it was found through PATH, otherwise its
// full path, which works from any folder (go.sh starts ./mailq from run/).
func exeName() string {
	if len(os.Args) == 0 || os.Args[0] == "" {
		return "mailq"
	}
	arg := os.Args[0]
	if !strings.ContainsAny(arg, `/\`) {
		return arg
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return arg
}

func printWarnings(w io.Writer, cfg *config.Config) {
	for _, s := range cfg.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
}
