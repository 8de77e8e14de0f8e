package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// switchSpec is one switch. do checks the value and records what the switch
// means; the settings it records cannot fail when applied. The table in
// settings.go holds every switch, beside the setting it sets.
type switchSpec struct {
	names []string // upper-case; the first is the one shown
	arg   string   // the value's placeholder in the help; "" for none
	group string
	help  string
	// keepSpaces passes the value on untrimmed (passwords, welcome lines).
	keepSpaces bool
	do         func(p *argParser, arg, v string) error
}

// Help groups, in the order HelpText prints them.
var switchGroups = []string{"Help", "Accounts", "Instance control", "Server", "SMTP", "POP3", "Agents (MDA and MXA)", "Logging"}

// The switches below do more than store one value: they name a command, set
// a value that depends on the instance, or record what checks need.

// account is /ADDUSER and the other account commands.
func account(name string, c Command, help string) row {
	return command([]string{name}, "address", "Accounts", help, func(p *argParser, arg, v string) error {
		addr, err := parseAddress(v)
		if err != nil {
			return err
		}
		p.inv.Account = addr
		return p.command(c, arg)
	})
}

func doPW(p *argParser, arg, v string) error {
	if v == "" {
		return expected("a password after /PW:")
	}
	p.inv.Password, p.pwArg = v, arg
	return nil
}

func doINI(p *argParser, arg, v string) error {
	n, err := nativePath(v)
	if err == nil && n == "" {
		err = expected("the path of an INI file")
	}
	if err != nil {
		return err
	}
	p.inv.INI, p.iniArg = n, arg
	return nil
}

func doStop(p *argParser, arg, v string) error {
	switch asciiUpper(v) {
	case "", "ALL":
		p.inv.Stop = StopAll
	case "SMTP":
		p.inv.Stop = StopSMTP
	case "POP", "POP3":
		p.inv.Stop = StopPOP
	case "WEB":
		p.inv.Stop = StopWeb
	case "SINK":
		p.inv.Stop = StopSink
	default:
		return expected("SMTP, POP, WEB or SINK, or nothing to stop all")
	}
	return p.command(CmdStop, arg)
}

// doPort is /PORT: the port of the instance being run.
func doPort(p *argParser, _, v string) error {
	n, err := parseListenPort(v)
	if err != nil {
		return err
	}
	p.set(func(ld *loader, _ string) {
		switch ld.c.Mode {
		case ModePOP:
			ld.c.POP.Port = n
		case ModeWeb:
			ld.c.Web.Port = n
		case ModeSink:
			ld.c.Sink.Port = n
		default:
			ld.c.SMTP.Port = n
		}
	})
	return nil
}

// doWM is /WM: the welcome line of the instance being run.
func doWM(p *argParser, _, v string) error {
	p.set(func(ld *loader, _ string) {
		if ld.c.Mode == ModePOP {
			ld.c.POP.Welcome = v
		} else {
			ld.c.SMTP.Welcome = v
		}
	})
	return nil
}

// folder reads /QPATH and /UPATH; a relative path is relative to the current
// folder, as usual on a command line.
func folder(name, help string, f func(p *Paths) *string) switchSpec {
	return switchSpec{names: []string{name}, arg: "path", group: "Server", help: help,
		do: func(p *argParser, _, v string) error {
			n, err := nativePath(v)
			if err == nil && n == "" {
				err = expected("a folder path")
			}
			if err != nil {
				return err
			}
			p.set(func(ld *loader, cwd string) {
				*f(&ld.c.Paths) = filepath.Clean(underBase(cwd, n))
			})
			return nil
		}}
}

// agent is /MDA or /MXA; checks refuse them with /POP and /WEB.
func agent(name, help string, f func(c *Config) *bool) switchSpec {
	return switchSpec{names: []string{name}, group: "Agents (MDA and MXA)", help: help,
		do: func(p *argParser, arg, _ string) error {
			p.agentArg = arg
			p.set(func(ld *loader, _ string) { *f(ld.c) = true })
			return nil
		}}
}

var mxSwitch = switchSpec{names: []string{"MX"}, arg: "GATEWAY|LOCAL|REMOTE", group: "Agents (MDA and MXA)", help: "route by one gateway, [LocalMX] or DNS",
	do: func(p *argParser, _, v string) error {
		m, err := parseMX(v)
		if err == nil && m == MXNone {
			err = expected("GATEWAY, LOCAL or REMOTE")
		}
		if err != nil {
			return err
		}
		p.mxGiven = true
		p.set(func(ld *loader, _ string) { ld.c.MXA.MX = m })
		return nil
	}}

var gatewaySwitch = switchSpec{names: []string{"GATEWAY"}, arg: "host[:port]", group: "Agents (MDA and MXA)", help: "send all external mail here (implies /MX:GATEWAY)",
	do: func(p *argParser, _, v string) error {
		g, err := parseHostPort(v, 25)
		if err != nil {
			return err
		}
		p.gatewayGiven = true
		p.set(func(ld *loader, _ string) { ld.c.MXA.Gateway = g })
		return nil
	}}

// logSwitch is /LOG: logging at level 1 at least.
var logSwitch = switchSpec{names: []string{"LOG"}, group: "Logging", help: "write log files (at least at level 1, normal)",
	do: func(p *argParser, _, _ string) error {
		p.set(func(ld *loader, _ string) { ld.c.Log.Level = max(ld.c.Log.Level, LogNormal) })
		return nil
	}}

// niceSwitchK is /NICE: milliseconds like Nice, with a warning when small.
var niceSwitchK = func() kind[time.Duration] {
	kd := unitK(ruleNice)
	kd.warn = func(d time.Duration) string {
		if d < 100*time.Millisecond {
			return "under 100 ms the agents rescan their folders very often; about 500 ms is advised"
		}
		return ""
	}
	return kd
}()

// switchIndex finds a switch by any of its upper-case names.
var switchIndex = func() map[string]*switchSpec {
	m := map[string]*switchSpec{}
	for i := range switchSpecs {
		for _, n := range switchSpecs[i].names {
			if m[n] != nil {
				panic(fmt.Sprintf("config: switch /%s listed twice", n))
			}
			m[n] = &switchSpecs[i]
		}
	}
	return m
}()

func switchNames() []string {
	var out []string
	for _, s := range switchSpecs {
		out = append(out, s.names...)
	}
	return out
}
