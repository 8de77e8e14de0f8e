package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"mailq/config"
)

// A service is one instance of this folder registered with the operating
// system's service manager: the Windows service control manager (the
// original's "install and run as a Windows service"), or systemd on Linux.
type service struct {
	Name        string   // mailq-smtp, mailq-pop3 (or NAME-smtp with /INSTALL:NAME)
	Description string   // shown by the service manager
	Exe         string   // absolute path of this binary
	Args        []string // its switches, with /INI: absolute
	Dir         string   // the folder of mailq.ini: the working directory
	StopArgs    []string // the switches that stop it (/STOP:SMTP /INI:...)
}

// serviceNameRE keeps service names to what both service managers accept
// and what is safe in a file name.
var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`)

// serviceCommand returns the /INSTALL or /UNINSTALL command of a command
// line, or nil. They are read before config's switch table, like the tools,
// because the switches after them are the installed instance's own.
func serviceCommand(args []string) func(stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args[0]) < 2 || !strings.ContainsRune("/-", rune(args[0][0])) {
		return nil
	}
	verb, name, _ := strings.Cut(strings.TrimLeft(args[0], "/-"), ":")
	verb = strings.ToUpper(verb)
	if verb != "INSTALL" && verb != "UNINSTALL" {
		return nil
	}
	if name == "" {
		name = "mailq"
	}
	rest := args[1:]
	return func(stdout, stderr io.Writer) int {
		if !serviceNameRE.MatchString(name) {
			fmt.Fprintf(stderr, "mailq: %q cannot name a service: use letters, digits, '.', '_' and '-'\n", name)
			return exitUsage
		}
		plan, err := servicePlan(name, rest)
		if err != nil {
			fmt.Fprintf(stderr, "mailq: %v\n", err)
			return exitUsage
		}
		if verb == "INSTALL" {
			err = installServices(plan, stdout)
		} else {
			err = uninstallServices(plan, stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "mailq: %v\n", err)
			return exitCommand
		}
		return exitOK
	}
}

// servicePlan lays out the SMTP and POP3 services of the folder whose
// mailq.ini the switches find. Switches other than /INI go to the SMTP
// instance as given (/MDA /MXA, ports...).
func servicePlan(name string, args []string) ([]service, error) {
	inv, err := config.ParseArgs(args)
	if err != nil {
		return nil, err
	}
	if inv.Command != config.CmdRun || inv.Mode == config.ModePOP {
		return nil, fmt.Errorf("after /INSTALL give only the SMTP instance's switches (such as /MDA /MXA); the POP3 service is installed with it")
	}
	cfg, err := config.Load(inv, environment())
	if err != nil {
		return nil, err
	}
	if !cfg.INIFound {
		return nil, fmt.Errorf("no mailq.ini found: a service runs from a folder with its own mailq.ini (create one with /ADDUSER, then install)")
	}
	ini, err := filepath.Abs(cfg.INIPath)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	var smtpArgs []string
	for _, a := range args {
		if !isINISwitch(a) {
			smtpArgs = append(smtpArgs, a)
		}
	}
	iniArg := "/INI:" + ini
	dir := filepath.Dir(ini)
	// A service manager's files are line-based: a line break in a path or
	// a switch would write a line of its own (a systemd ExecStartPre=...).
	for _, s := range append([]string{exe, ini}, smtpArgs...) {
		if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("%q holds a control character, which a service definition cannot carry", s)
		}
	}
	return []service{
		{Name: name + "-smtp", Description: "mailq SMTP server (" + dir + ")", Exe: exe, Dir: dir,
			Args: append(smtpArgs, iniArg), StopArgs: []string{"/STOP:SMTP", iniArg}},
		{Name: name + "-pop3", Description: "mailq POP3 server (" + dir + ")", Exe: exe, Dir: dir,
			Args: []string{"/POP", iniArg}, StopArgs: []string{"/STOP:POP", iniArg}},
	}, nil
}

func isINISwitch(a string) bool {
	a = strings.ToUpper(strings.TrimLeft(a, "/-"))
	return strings.HasPrefix(a, "INI:") || strings.HasPrefix(a, "INI=")
}
