package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"mailq/config"
)

// initCommand runs /INIT:domain: it writes a commented mailq.ini for the
// domain where mailq looks for one, and with /ADDUSER creates the first
// account in it. It never replaces a mailq.ini: the one found would be
// lost, with its accounts.
func initCommand(inv *config.Invocation, cfg *config.Config, stdout, stderr io.Writer) int {
	if cfg.INIFound {
		fmt.Fprintf(stderr, "mailq: /INIT: %s already exists and is never overwritten; edit it instead (mailq.ini.example explains every setting), or move it away first\n", cfg.INIPath)
		return exitCommand
	}
	if err := writeNewFile(cfg.INIPath, config.InitINI(inv.Init)); err != nil {
		if errors.Is(err, fs.ErrExist) {
			fmt.Fprintf(stderr, "mailq: /INIT: %s already exists and is never overwritten\n", cfg.INIPath)
		} else {
			fmt.Fprintf(stderr, "mailq: /INIT: %v\n", err)
		}
		return exitCommand
	}
	fmt.Fprintf(stdout, "mailq: wrote %s for %s: a private server on 127.0.0.1, SMTP port 2525 and POP3 port 1100, "+
		"logging on; its comments say what to change for a real server\n", cfg.INIPath, config.DomainKeyValue(inv.Init))
	if inv.Command != config.CmdAddUser {
		fmt.Fprintf(stdout, "mailq: next, create the first account:  %s /adduser:you@%s /pw:password\n", exeName(), config.DomainKeyValue(inv.Init))
		return exitOK
	}
	// The account command reads the new file, with its domain.
	cfg, err := config.Load(inv, environment())
	if err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return exitUsage
	}
	return accountCommand(inv, cfg, stdout, stderr)
}

// writeNewFile creates path with data, failing if it exists. The file will
// hold the sealed account secrets, so only its owner may read it.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
