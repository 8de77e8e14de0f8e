package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"mailq/accounts"
	"mailq/config"
	"mailq/policy"
)

// accountCommand runs /ADDUSER, /SETPASS, /DELUSER or /UNLOCK. These edit
// mailq.ini (only its [Users] or [Pop-Locked] section) and work while servers
// run: the servers re-read the file when it changes.
func accountCommand(inv *config.Invocation, cfg *config.Config, stdout, stderr io.Writer) int {
	opts := accounts.Options{INI: cfg.INIPath, Key: cfg.Paths.KeyFile, Template: config.QuickStartINI}
	_, statErr := os.Stat(cfg.INIPath)
	created := errors.Is(statErr, os.ErrNotExist)
	addr := inv.Account

	var err error
	var done string
	switch inv.Command {
	case config.CmdAddUser:
		err = accounts.Add(opts, addr, inv.Password)
		done = fmt.Sprintf("account %s added", addr)
	case config.CmdSetPass:
		err = accounts.SetPassword(opts, addr, inv.Password)
		done = fmt.Sprintf("password of %s changed", addr)
	case config.CmdDelUser:
		err = accounts.Delete(opts, addr)
		done = fmt.Sprintf("account %s deleted (its mailbox folder is kept; delete it by hand if you want)", addr)
	case config.CmdUnlock:
		done, err = unlock(opts, cfg.Paths.FailedLogins, addr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailq: %v\n", err)
		return exitCommand
	}
	fmt.Fprintf(stdout, "mailq: %s in %s\n", done, cfg.INIPath)
	if created && inv.Command == config.CmdAddUser {
		fmt.Fprintf(stdout, "mailq: created %s from the quick-start settings; edit it to change ports, domains and more\n", cfg.INIPath)
	}
	if inv.Command == config.CmdAddUser {
		domainAdvice(cfg, addr, stdout, stderr)
	}
	return exitOK
}

// unlock ends every lock on addr: its [Pop-Locked] entry, and the account
// lock and address blocks the login limits keep in the failed-logins file
// (a name that is no account can be locked there too: the limits count
// names, whether or not they exist).
func unlock(opts accounts.Options, failedLogins, addr string) (string, error) {
	forgot := false
	if failedLogins != "" {
		var err error
		if forgot, err = policy.ForgetAccount(failedLogins, addr); err != nil {
			return "", err
		}
	}
	was, err := accounts.Unlock(opts, addr)
	switch {
	case errors.Is(err, accounts.ErrUnknown) && forgot:
		return fmt.Sprintf("failed logins of %s (no account) forgotten", addr), nil
	case err != nil:
		return "", err
	case forgot && was:
		return fmt.Sprintf("account %s unlocked, and its failed logins forgotten", addr), nil
	case forgot:
		return fmt.Sprintf("account %s unlocked (its failed logins are forgotten)", addr), nil
	case was:
		return fmt.Sprintf("account %s unlocked", addr), nil
	}
	return fmt.Sprintf("account %s was not locked; nothing changed", addr), nil
}
