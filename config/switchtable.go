package config

import (
	"fmt"
	"path/filepath"
	"time"
)

// switchSpec is one switch. do checks the value and records what the switch
// means; the settings it records cannot fail when applied.
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

// toggle is a switch without a value that sets one field.
func toggle(name, group, help string, f func(ld *loader)) switchSpec {
	return switchSpec{names: []string{name}, group: group, help: help,
		do: func(p *argParser, _, _ string) error {
			p.set(func(ld *loader, _ string) { f(ld) })
			return nil
		}}
}

// valued is a switch whose value parse reads; f stores the result.
func valued[T any](name, arg, group, help string, parse func(string) (T, error), f func(ld *loader, v T)) switchSpec {
	return switchSpec{names: []string{name}, arg: arg, group: group, help: help,
		do: func(p *argParser, _, v string) error {
			x, err := parse(v)
			if err != nil {
				return err
			}
			p.set(func(ld *loader, _ string) { f(ld, x) })
			return nil
		}}
}

// account is /ADDUSER and the other account commands.
func account(name string, c Command, help string) switchSpec {
	return switchSpec{names: []string{name}, arg: "address", group: "Accounts", help: help,
		do: func(p *argParser, arg, v string) error {
			addr, err := parseAddress(v)
			if err != nil {
				return err
			}
			p.inv.Account = addr
			return p.command(c, arg)
		}}
}

// threads reads /SMTPTHREADS and /POPTHREADS.
func threads(name, group, help string, f func(c *Config) *int) switchSpec {
	return switchSpec{names: []string{name}, arg: "n", group: group, help: help,
		do: func(p *argParser, arg, v string) error {
			n, warn, err := parseThreads(v)
			if err != nil {
				return err
			}
			if warn != "" {
				p.warn("%s: %s", arg, warn)
			}
			p.set(func(ld *loader, _ string) { *f(ld.c) = n })
			return nil
		}}
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
				*f(&ld.paths) = filepath.Clean(underBase(cwd, n))
			})
			return nil
		}}
}

func durationParser(r durationRule) func(string) (time.Duration, error) {
	return func(v string) (time.Duration, error) { return parseDuration(v, r) }
}

func countParser(what string) func(string) (int, error) {
	return func(v string) (int, error) { return parseCount(v, what) }
}

func sizeBytes(v string) (int64, error) { return parseSize(v, 1) }

var switchSpecs = append([]switchSpec{
	{names: []string{"?", "H", "HELP"}, group: "Help", help: "show this help",
		do: func(p *argParser, _, _ string) error { p.help = true; return nil }},
	{names: []string{"VERSION"}, group: "Help", help: "show the version",
		do: func(p *argParser, _, _ string) error { p.version = true; return nil }},

	account("ADDUSER", CmdAddUser, "create an account (needs /PW)"),
	account("SETPASS", CmdSetPass, "change an account's password (needs /PW)"),
	account("DELUSER", CmdDelUser, "delete an account (its mail folder is kept)"),
	account("UNLOCK", CmdUnlock, "unlock an account locked after failed logins"),
	{names: []string{"INIT"}, arg: "domain", group: "Accounts", help: "write a new mailq.ini for this domain (never over an existing one), with /ADDUSER its first account",
		do: doInit},
	{names: []string{"PW"}, arg: "password", group: "Accounts", help: "the password for /ADDUSER or /SETPASS", keepSpaces: true,
		do: func(p *argParser, arg, v string) error {
			if v == "" {
				return expected("a password after /PW:")
			}
			p.inv.Password, p.pwArg = v, arg
			return nil
		}},

	{names: []string{"POP"}, group: "Instance control", help: "run the POP3 instance instead of the SMTP one",
		do: func(p *argParser, arg, _ string) error { p.inv.Mode, p.popArg = ModePOP, arg; return nil }},
	webSwitch,
	captureSwitch,
	releaseSwitch,
	toSwitch,
	{names: []string{"STOP"}, arg: "[SMTP|POP|WEB]", group: "Instance control", help: "stop this folder's instances (all, or the one named)",
		do: doStop},
	{names: []string{"STATUS"}, group: "Instance control", help: "say which of this folder's instances run; exit code 0 if one does, 4 if none",
		do: func(p *argParser, arg, _ string) error { return p.command(CmdStatus, arg) }},
	{names: []string{"INI"}, arg: "path", group: "Instance control", help: "read this configuration file instead of mailq.ini",
		do: func(p *argParser, arg, v string) error {
			n, err := nativePath(v)
			if err == nil && n == "" {
				err = expected("the path of an INI file")
			}
			if err != nil {
				return err
			}
			p.inv.INI, p.iniArg = n, arg
			return nil
		}},
	{names: []string{"NOINI"}, group: "Instance control", help: "read no INI file: built-in defaults and switches only",
		do: func(p *argParser, arg, _ string) error { p.inv.NoINI, p.noINIArg = true, arg; return nil }},
	toggle("Q", "Instance control", "quiet: no console output (watch the log files)", func(ld *loader) { ld.c.Server.Quiet = true }),
	toggle("TEST", "Instance control", "run the protocols but write and send no mail", func(ld *loader) { ld.c.Server.Test = true }),
	toggle("DEBUG", "Instance control", "show extra information; enable debug commands", func(ld *loader) { ld.c.Server.Debug = true }),
	toggle("SELECT", "Instance control", "allow mouse selection in a Windows console", func(ld *loader) { ld.c.Server.EnableMouseSelect = true }),

	valued("BIND", "ip|*", "Server", "listen on this IP address only (* = every interface)", parseBind, func(ld *loader, v string) { ld.c.Server.Bind = v }),
	valued("PORT", "n", "Server", "port of the instance being run (SMTP, or POP3; 0 = any free port)", parseListenPort, func(ld *loader, v int) {
		if ld.c.Mode == ModePOP {
			ld.c.POP.Port = v
		} else if ld.c.Mode == ModeWeb {
			ld.c.Web.Port = v
		} else {
			ld.c.SMTP.Port = v
		}
	}),
	{names: []string{"WM"}, arg: "text", group: "Server", help: "welcome line of the instance being run (macros ok)", keepSpaces: true,
		do: func(p *argParser, _, v string) error {
			p.set(func(ld *loader, _ string) {
				if ld.c.Mode == ModePOP {
					ld.c.POP.Welcome = v
				} else {
					ld.c.SMTP.Welcome = v
				}
			})
			return nil
		}},
	valued("TIMEOUT", "secs", "Server", "disconnect clients idle this long (default 120)", durationParser(ruleTimeout), func(ld *loader, v time.Duration) { ld.c.Server.Timeout = v }),
	{names: []string{"NICE"}, arg: "ms", group: "Server", help: "agents' folder rescan interval (default 500)", do: doNice},
	folder("QPATH", "the queue folder", func(p *Paths) *string { return &p.Queue }),
	folder("UPATH", "the root of the user mailboxes", func(p *Paths) *string { return &p.Users }),
	valued("AUTOBAN", "n", "Server", "ban an IP after n failed logins (0 = off)", countParser("a number of failed logins (0 = off)"), func(ld *loader, v int) { ld.c.Abuse.AutoBan = v }),
	toggle("NOIPBLOCK", "Server", "do not read the IP block list (ipblock.txt)", func(ld *loader) { ld.c.Abuse.IPBlockEnabled = false }),
	toggle("NOHTTPGET", "Server", "do not answer HTTP GET requests", func(ld *loader) { ld.c.Server.HTTPGet = false }),
	toggle("NOBACKSPACE", "Server", "treat backspace (0x08) as an ordinary character", func(ld *loader) { ld.c.Server.NoBackSpace = true }),

	threads("SMTPTHREADS", "SMTP", "how many SMTP clients are served at once (1..64)", func(c *Config) *int { return &c.SMTP.Threads }),
	toggle("SMTPAUTH", "SMTP", "require SMTP authentication (AUTH) before MAIL", func(ld *loader) { ld.c.SMTP.AuthRequired = true }),
	valued("SMTPMODE", "1|2|3", "SMTP", "greetings accepted: 1 HELO only, 2 EHLO only, 3 both", parseSMTPMode, func(ld *loader, v SMTPMode) { ld.c.SMTP.Mode = v }),
	valued("RELAY", "0..3", "SMTP", "relay: 0 off, 1 one-way, 2 two-way, 3 open (unsafe)", parseRelay, func(ld *loader, v Relay) { ld.c.SMTP.Relay = v }),
	toggle("VRFY", "SMTP", "enable the VRFY command (it reveals accounts)", func(ld *loader) { ld.c.SMTP.VRFY = true }),
	valued("SIZE", "n", "SMTP", "largest message: bytes, or 512KB, 20MB (default 20MB)", sizeBytes, func(ld *loader, v int64) { ld.c.SMTP.MaxMessageSize = v }),
	toggle("NOFIXHDRS", "SMTP", "do not add missing headers (Date, Message-ID...)", func(ld *loader) { ld.c.Server.FixHeaders = false }),

	threads("POPTHREADS", "POP3", "how many POP3 clients are served at once (1..64)", func(c *Config) *int { return &c.POP.Threads }),
	valued("POPLOCK", "n", "POP3", "block an address from an account after n failed logins (0 = never)", countParser("a number of failed logins (0 = never lock)"), func(ld *loader, v int) { ld.c.POP.Lockout = v }),
	toggle("POPROD", "POP3", "keep messages POP3 clients delete, in deleted/", func(ld *loader) { ld.c.POP.RenameOnDelete = true }),
	toggle("RPOP", "POP3", "RPOP logins: not supported (the POP3 instance refuses to start with it)", func(ld *loader) { ld.c.POP.RPOP = true }),

	{names: []string{"MDA"}, group: "Agents (MDA and MXA)", help: "run the delivery agent (files mail into mailboxes)", do: doAgent(func(c *Config) { c.MDA.Enabled = true })},
	{names: []string{"MXA"}, group: "Agents (MDA and MXA)", help: "run the exchange agent (sends mail to other servers)", do: doAgent(func(c *Config) { c.MXA.Enabled = true })},
	{names: []string{"MX"}, arg: "GATEWAY|LOCAL|REMOTE", group: "Agents (MDA and MXA)", help: "route by one gateway, [LocalMX] or DNS",
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
		}},
	{names: []string{"GATEWAY"}, arg: "host[:port]", group: "Agents (MDA and MXA)", help: "send all external mail here (implies /MX:GATEWAY)",
		do: func(p *argParser, _, v string) error {
			g, err := parseHostPort(v, 25)
			if err != nil {
				return err
			}
			p.gatewayGiven = true
			p.set(func(ld *loader, _ string) { ld.c.MXA.Gateway = g })
			return nil
		}},
	valued("EXPIRY", "hours", "Agents (MDA and MXA)", "give up on mail after n hours, or 30m, 2d (default 24)", durationParser(ruleExpirySwitch), func(ld *loader, v time.Duration) { ld.c.MXA.Expiry = v }),
	toggle("DELETEONSEND", "Agents (MDA and MXA)", "delete sent mail instead of keeping it", func(ld *loader) { ld.c.MXA.DeleteOnSend = true }),
	toggle("NOSCRIPT", "Agents (MDA and MXA)", "run no delivery scripts, whatever [Scripts] says", func(ld *loader) { ld.c.Scripts.Enabled = false }),
	toggle("ENABLESCRIPTS", "Agents (MDA and MXA)", "run the [Scripts] scripts even if Enabled=False", func(ld *loader) { ld.c.Scripts.Enabled = true }),

	toggle("LOG", "Logging", "write log files (at least at level 1, normal)", func(ld *loader) { ld.c.Log.Level = max(ld.c.Log.Level, LogNormal) }),
	valued("LOGLEVEL", "0..4", "Logging", "detail: 0 off, 1 normal, 2 info, 3 crit, 4 debug", parseLogLevel, func(ld *loader, v LogLevel) { ld.c.Log.Level = v }),
}, tlsSwitches()...) // config/tls.go

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
	default:
		return expected("SMTP, POP or WEB, or nothing to stop all")
	}
	return p.command(CmdStop, arg)
}

func doNice(p *argParser, arg, v string) error {
	d, err := parseDuration(v, ruleNice)
	if err != nil {
		return err
	}
	if d < 100*time.Millisecond {
		p.warn("%s: under 100 ms the agents rescan their folders very often; about 500 ms is advised", arg)
	}
	p.set(func(ld *loader, _ string) { ld.c.Server.Nice = d })
	return nil
}

func doAgent(f func(c *Config)) func(p *argParser, arg, v string) error {
	return func(p *argParser, arg, _ string) error {
		p.agentArg = arg
		p.set(func(ld *loader, _ string) { f(ld.c) })
		return nil
	}
}

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
