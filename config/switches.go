package config

import (
	"fmt"
	"strings"
)

// Command is what one run of the binary does.
type Command int

const (
	CmdRun     Command = iota // run the SMTP instance, or the POP3 one with /POP
	CmdHelp                   // /? /H: print HelpText
	CmdVersion                // /VERSION
	CmdAddUser                // /ADDUSER:addr /PW:password
	CmdSetPass                // /SETPASS:addr /PW:password
	CmdDelUser                // /DELUSER:addr
	CmdUnlock                 // /UNLOCK:addr
	CmdStop                   // /STOP[:SMTP|POP]
	CmdStatus                 // /STATUS
	CmdRelease                // /RELEASE:id /TO:address (capture.go)
)

func (c Command) String() string {
	return [...]string{"run", "help", "version", "adduser", "setpass", "deluser", "unlock", "stop", "status", "release"}[c]
}

// StopTarget is which instances /STOP stops.
type StopTarget int

const (
	StopAll  StopTarget = iota // /STOP
	StopSMTP                   // /STOP:SMTP
	StopPOP                    // /STOP:POP
	StopWeb                    // /STOP:WEB
	StopSink                   // /STOP:SINK
)

// Invocation is a parsed command line.
type Invocation struct {
	Command  Command
	Account  string     // the address of /ADDUSER, /SETPASS, /DELUSER or /UNLOCK, lower-case
	Password string     // /PW, for /ADDUSER and /SETPASS
	Stop     StopTarget // for CmdStop
	INI      string     // /INI:path as given (separators made native); "" to look mailq.ini up
	NoINI    bool       // /NOINI
	Mode     Mode       // ModePOP with /POP
	Init     string     // /INIT:domain, lower-case: write a new mailq.ini for it
	Release  Release    // /RELEASE and /TO (capture.go)
	// Warnings are non-fatal findings (a thread count above the advised
	// limit, ...); Load copies them into Config.Warnings.
	Warnings []string

	DKIMKey *DKIMKeyRequest // /DKIMKEY: make a DKIM key pair (msgauth.go)

	// sets are the settings of the switches, in command-line order, already
	// parsed and checked: applying them cannot fail. Load applies them after
	// the INI file.
	sets []func(ld *loader, cwd string)
}

// SwitchError is a command line Load cannot run: an unknown switch, a bad
// value, or switches that do not go together.
type SwitchError struct {
	Arg string // the argument as typed
	Err error
}

func (e *SwitchError) Error() string { return fmt.Sprintf("mailq: %s: %v", e.Arg, e.Err) }

func (e *SwitchError) Unwrap() error { return e.Err }

// argParser is the state of one ParseArgs.
type argParser struct {
	inv                   *Invocation
	cmdArg, pwArg         string // the switches that set the command and /PW
	agentArg, popArg      string // /MDA or /MXA; /POP
	webArg                string // /WEB
	sinkArg               string // /SINK
	captureArg, toArg     string // /CAPTURE; /TO
	iniArg, noINIArg      string
	initArg               string // /INIT
	mxGiven, gatewayGiven bool
	help, version         bool
}

// ParseArgs reads the command line (without the program name). A switch is
// /NAME, /NAME:value or /NAME=value, also written -name or --name with ':' or
// '='; names are case-insensitive. A repeated switch counts with its last
// value. /? (/H, -h, --help) anywhere asks for help and wins over everything
// else, including errors.
func ParseArgs(args []string) (*Invocation, error) {
	p := &argParser{inv: &Invocation{}}
	var first error
	for _, a := range args {
		if err := p.one(a); err != nil && first == nil {
			first = err
		}
	}
	switch {
	case p.help:
		return &Invocation{Command: CmdHelp}, nil
	case first != nil:
		return nil, first
	case p.version:
		return &Invocation{Command: CmdVersion}, nil
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	if err := p.checkInit(); err != nil {
		return nil, err
	}
	if err := p.checkWeb(); err != nil {
		return nil, err
	}
	if err := p.checkSink(); err != nil {
		return nil, err
	}
	if err := p.checkRelease(); err != nil {
		return nil, err
	}
	if err := p.checkCapture(); err != nil {
		return nil, err
	}
	if p.gatewayGiven && !p.mxGiven {
		// /GATEWAY names the host for all external mail, so it selects
		// gateway routing unless /MX chose otherwise.
		p.set(func(ld *loader, _ string) { ld.c.MXA.MX = MXGateway })
	}
	return p.inv, nil
}

// splitSwitch splits "/NAME:value" (or -name=value, --name...) into its
// upper-case name and value.
func splitSwitch(a string) (name, val string, err error) {
	var rest string
	switch {
	case strings.HasPrefix(a, "--"):
		rest = a[2:]
	case strings.HasPrefix(a, "-"), strings.HasPrefix(a, "/"):
		rest = a[1:]
	default:
		return "", "", fmt.Errorf("not a switch (switches start with / or -; see /?)")
	}
	name = rest
	if i := strings.IndexAny(rest, ":="); i >= 0 {
		name, val = rest[:i], rest[i+1:]
	}
	if name == "" {
		return "", "", fmt.Errorf("missing switch name (see /?)")
	}
	return asciiUpper(name), val, nil
}

// asciiUpper upper-cases ASCII letters only, so that no other letter can
// turn into a switch name (strings.ToUpper maps "ſ" to "S").
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func (p *argParser) one(a string) error {
	name, val, err := splitSwitch(a)
	if err != nil {
		return &SwitchError{Arg: a, Err: err}
	}
	spec := switchIndex[name]
	if spec == nil {
		msg := "unknown switch (see /?)"
		if c := closest(name, switchNames()); c != "" {
			msg = fmt.Sprintf("unknown switch; did you mean /%s?", c)
		} else if c, v := gluedValue(name); c != "" {
			msg = fmt.Sprintf("unknown switch; did you mean /%s:%s?", c, v)
		}
		return &SwitchError{Arg: a, Err: fmt.Errorf("%s", msg)}
	}
	if spec.arg == "" && val != "" {
		return &SwitchError{Arg: a, Err: fmt.Errorf("/%s takes no value", spec.names[0])}
	}
	if !spec.keepSpaces {
		val = strings.TrimSpace(val)
	}
	if err := spec.do(p, a, val); err != nil {
		return &SwitchError{Arg: a, Err: err}
	}
	return nil
}

// set records a setting to apply after the INI file.
func (p *argParser) set(f func(ld *loader, cwd string)) { p.inv.sets = append(p.inv.sets, f) }

func (p *argParser) warn(format string, args ...any) {
	p.inv.Warnings = append(p.inv.Warnings, "mailq: "+fmt.Sprintf(format, args...))
}

// command records the command a switch asks for; two different commands
// cannot run at once.
func (p *argParser) command(c Command, arg string) error {
	if p.inv.Command != CmdRun && p.inv.Command != c {
		return fmt.Errorf("cannot be combined with %s; run one command at a time", p.cmdArg)
	}
	p.inv.Command, p.cmdArg = c, arg
	return nil
}

// check refuses switches that do not go together.
func (p *argParser) check() error {
	inv := p.inv
	needsPW := inv.Command == CmdAddUser || inv.Command == CmdSetPass
	account := needsPW || inv.Command == CmdDelUser || inv.Command == CmdUnlock
	switch {
	case p.pwArg != "" && !needsPW:
		return &SwitchError{Arg: p.pwArg, Err: fmt.Errorf("a password is only used with /ADDUSER or /SETPASS")}
	case needsPW && inv.Password == "":
		return &SwitchError{Arg: p.cmdArg, Err: fmt.Errorf("needs a password: add /PW:password")}
	case p.agentArg != "" && p.popArg != "":
		return &SwitchError{Arg: p.agentArg, Err: fmt.Errorf("the MDA and MXA run in the SMTP instance; start them without /POP")}
	case p.noINIArg != "" && p.iniArg != "":
		return &SwitchError{Arg: p.noINIArg, Err: fmt.Errorf("cannot be combined with %s", p.iniArg)}
	case p.noINIArg != "" && account:
		return &SwitchError{Arg: p.noINIArg, Err: fmt.Errorf("accounts are kept in mailq.ini, which %s needs", p.cmdArg)}
	}
	return nil
}

// gluedValue recognises a value typed without its colon ("/PORT2525"): it
// returns the switch and the value, or "" if name is not like that.
func gluedValue(name string) (string, string) {
	best := ""
	for _, s := range switchSpecs {
		for _, n := range s.names {
			if s.arg != "" && len(n) > len(best) && len(n) < len(name) && strings.HasPrefix(name, n) {
				best = n
			}
		}
	}
	if best == "" {
		return "", ""
	}
	return best, name[len(best):]
}
