package config

import (
	"bytes"
	_ "embed"
	"fmt"
)

// initINI is the mailq.ini that /INIT writes: the quick-start settings, for
// a domain the user names instead of localhost.
//
//go:embed init.ini
var initINI []byte

// InitINI returns a commented mailq.ini that receives mail for domain (as
// /INIT gave it, checked by ParseArgs).
func InitINI(domain string) []byte {
	return bytes.ReplaceAll(initINI, []byte("$DOMAIN"), []byte(DomainKeyValue(domain)))
}

// doInit reads /INIT:domain. It goes with /ADDUSER (the first account) and
// with nothing else that names a command or an INI file; checkInit says so.
func doInit(p *argParser, arg, v string) error {
	// A domain name only: an address literal cannot be HostDomain.
	d, err := parseDomain(v)
	if _, ipErr := parseIP(v); err != nil || ipErr == nil {
		return expected("a domain name such as example.com")
	}
	p.inv.Init, p.initArg = d, arg
	return nil
}

// checkInit refuses what /INIT cannot be combined with.
func (p *argParser) checkInit() error {
	inv := p.inv
	switch {
	case p.initArg == "":
		return nil
	case inv.Command != CmdRun && inv.Command != CmdAddUser:
		return &SwitchError{Arg: p.initArg, Err: fmt.Errorf("cannot be combined with %s; only /ADDUSER goes with it", p.cmdArg)}
	case p.iniArg != "" || p.noINIArg != "":
		return &SwitchError{Arg: p.initArg, Err: fmt.Errorf("writes mailq.ini where mailq looks for it; it cannot be combined with /INI or /NOINI")}
	}
	return nil
}
