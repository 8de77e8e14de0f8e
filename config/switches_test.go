package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestParseArgsCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want Invocation
	}{
		{"nothing", nil, Invocation{}},
		{"help slash", []string{"/?"}, Invocation{Command: CmdHelp}},
		{"help H", []string{"/h"}, Invocation{Command: CmdHelp}},
		{"help dash", []string{"-h"}, Invocation{Command: CmdHelp}},
		{"help long", []string{"--help"}, Invocation{Command: CmdHelp}},
		{"help wins over errors", []string{"/SMTPMODE:0", "/bogus", "/?"}, Invocation{Command: CmdHelp}},
		{"version", []string{"/VERSION"}, Invocation{Command: CmdVersion}},
		{"adduser", []string{"/ADDUSER:Admin@LocalHost.com", "/PW:secret"},
			Invocation{Command: CmdAddUser, Account: "admin@localhost.com", Password: "secret"}},
		{"adduser equals", []string{"/adduser=admin@localhost.com", "/pw=s e c"},
			Invocation{Command: CmdAddUser, Account: "admin@localhost.com", Password: "s e c"}},
		{"adduser dashes", []string{"--adduser=admin@localhost.com", "-pw:secret"},
			Invocation{Command: CmdAddUser, Account: "admin@localhost.com", Password: "secret"}},
		{"password with colon", []string{"/SETPASS:a@b.com", "/PW:x:y=z"},
			Invocation{Command: CmdSetPass, Account: "a@b.com", Password: "x:y=z"}},
		{"deluser", []string{"/DELUSER:a@b.com"}, Invocation{Command: CmdDelUser, Account: "a@b.com"}},
		{"unlock", []string{"/UNLOCK:a@b.com"}, Invocation{Command: CmdUnlock, Account: "a@b.com"}},
		{"repeated account last wins", []string{"/DELUSER:a@b.com", "/DELUSER:c@d.com"}, Invocation{Command: CmdDelUser, Account: "c@d.com"}},
		{"stop all", []string{"/STOP"}, Invocation{Command: CmdStop, Stop: StopAll}},
		{"stop smtp", []string{"/stop:smtp"}, Invocation{Command: CmdStop, Stop: StopSMTP}},
		{"stop pop", []string{"/STOP=POP"}, Invocation{Command: CmdStop, Stop: StopPOP}},
		{"pop", []string{"/POP"}, Invocation{Mode: ModePOP}},
		{"ini", []string{`/INI:conf\other.ini`}, Invocation{INI: filepath.FromSlash("conf/other.ini")}},
		{"noini", []string{"/NOINI"}, Invocation{NoINI: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseArgs(tc.args)
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", tc.args, err)
			}
			got.sets, got.Warnings = nil, nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("ParseArgs(%q) = %+v; want %+v", tc.args, *got, tc.want)
			}
		})
	}
}

func TestSwitchEffects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		check func(c *Config) bool
	}{
		{"mda mxa", []string{"/MDA", "/MXA", "/MX:REMOTE"}, func(c *Config) bool { return c.MDA.Enabled && c.MXA.Enabled && c.MXA.MX == MXRemote }},
		{"bind", []string{"/BIND:127.0.0.1"}, func(c *Config) bool { return c.Server.Bind == "127.0.0.1" }},
		{"bind all", []string{"/BIND:127.0.0.1", "/BIND:*"}, func(c *Config) bool { return c.Server.Bind == "" }},
		{"port smtp", []string{"/PORT:2525"}, func(c *Config) bool { return c.SMTP.Port == 2525 && c.POP.Port == 110 }},
		{"port pop after", []string{"/PORT:1100", "/POP"}, func(c *Config) bool { return c.POP.Port == 1100 && c.SMTP.Port == 25 }},
		{"welcome smtp", []string{"/WM: hello $time"}, func(c *Config) bool { return c.SMTP.Welcome == " hello $time" && c.POP.Welcome == "" }},
		{"welcome pop", []string{"/POP", "/WM:hi"}, func(c *Config) bool { return c.POP.Welcome == "hi" && c.SMTP.Welcome == "" }},
		{"threads", []string{"/SMTPTHREADS:10", "/POPTHREADS:3"}, func(c *Config) bool { return c.SMTP.Threads == 10 && c.POP.Threads == 3 }},
		{"threads over advised", []string{"/SMTPTHREADS:100"}, func(c *Config) bool { return c.SMTP.Threads == 100 && hasWarning(c, "advised 64") }},
		{"smtp auth mode relay vrfy", []string{"/SMTPAUTH", "/SMTPMODE:2", "/RELAY:0", "/VRFY"}, func(c *Config) bool {
			return c.SMTP.AuthRequired && c.SMTP.Mode == SMTPModeEHLO && c.SMTP.Relay == RelayOff && c.SMTP.VRFY
		}},
		{"repeated last wins", []string{"/RELAY:3", "/RELAY:2"}, func(c *Config) bool { return c.SMTP.Relay == RelayTwoWay }},
		{"qpath upath relative to cwd", []string{`/QPATH:.\q`, "/UPATH:/srv/u"}, func(c *Config) bool {
			return c.Paths.Queue == filepath.Join(c.BaseDir, "q") && c.Paths.External == filepath.Join(c.BaseDir, "q", "external") &&
				c.Paths.Users == rooted(c.BaseDir, "/srv/u") && c.Paths.Unknown == rooted(c.BaseDir, "/srv/u/unknown")
		}},
		{"noscript", []string{"/ENABLESCRIPTS", "/NOSCRIPT"}, func(c *Config) bool { return !c.Scripts.Enabled }},
		{"enablescripts", []string{"/NOSCRIPT", "/ENABLESCRIPTS"}, func(c *Config) bool { return c.Scripts.Enabled }},
		{"log", []string{"/LOG"}, func(c *Config) bool { return c.Log.Level == LogNormal }},
		{"log keeps higher level", []string{"/LOGLEVEL:3", "/LOG"}, func(c *Config) bool { return c.Log.Level == LogCrit }},
		{"loglevel", []string{"/LOGLEVEL:4"}, func(c *Config) bool { return c.Log.Level == LogDebug }},
		{"gateway implies mx", []string{"/GATEWAY:smtp.example.com:587"}, func(c *Config) bool {
			return c.MXA.Gateway == "smtp.example.com:587" && c.MXA.MX == MXGateway
		}},
		{"gateway with explicit mx", []string{"/GATEWAY:smtp.example.com", "/MX:LOCAL"}, func(c *Config) bool {
			return c.MXA.Gateway == "smtp.example.com:25" && c.MXA.MX == MXLocal
		}},
		{"size bytes", []string{"/SIZE:1000"}, func(c *Config) bool { return c.SMTP.MaxMessageSize == 1000 }},
		{"size unit", []string{"/SIZE:512KB"}, func(c *Config) bool { return c.SMTP.MaxMessageSize == 512<<10 }},
		{"timeout", []string{"/TIMEOUT:30"}, func(c *Config) bool { return c.Server.Timeout == 30*time.Second }},
		{"nice", []string{"/NICE:250"}, func(c *Config) bool { return c.Server.Nice == 250*time.Millisecond }},
		{"nice low warns", []string{"/NICE:10"}, func(c *Config) bool { return c.Server.Nice == 10*time.Millisecond && hasWarning(c, "100 ms") }},
		{"expiry hours", []string{"/EXPIRY:48"}, func(c *Config) bool { return c.MXA.Expiry == 48*time.Hour }},
		{"expiry unit", []string{"/EXPIRY:90m"}, func(c *Config) bool { return c.MXA.Expiry == 90*time.Minute }},
		{"mxa flags", []string{"/DELETEONSEND"}, func(c *Config) bool { return c.MXA.DeleteOnSend }},
		{"pop flags", []string{"/RPOP", "/POPROD", "/POPLOCK:0"}, func(c *Config) bool { return c.POP.RPOP && c.POP.RenameOnDelete && c.POP.Lockout == 0 }},
		{"autoban", []string{"/AUTOBAN:3"}, func(c *Config) bool { return c.Abuse.AutoBan == 3 }},
		{"server flags", []string{"/NOBACKSPACE", "/NOIPBLOCK", "/NOHTTPGET", "/SELECT", "/NOFIXHDRS"}, func(c *Config) bool {
			s := c.Server
			return s.NoBackSpace && !c.Abuse.IPBlockEnabled && !s.HTTPGet && s.EnableMouseSelect && !s.FixHeaders
		}},
		{"console flags", []string{"/Q", "/TEST", "/DEBUG"}, func(c *Config) bool { return c.Server.Quiet && c.Server.Test && c.Server.Debug }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if c := loadSwitches(t, tc.args...); !tc.check(c) {
				t.Errorf("%q: unexpected configuration:\n%s", tc.args, render(c, c.BaseDir))
			}
		})
	}
}

func TestParseArgsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown", []string{"/FOO"}, "mailq: /FOO: unknown switch (see /?)"},
		{"typo", []string{"/SMTPTHREDS:4"}, "mailq: /SMTPTHREDS:4: unknown switch; did you mean /SMTPTHREADS?"},
		{"glued value", []string{"/PORT2525"}, "mailq: /PORT2525: unknown switch; did you mean /PORT:2525?"},
		{"not a switch", []string{"pop"}, "mailq: pop: not a switch (switches start with / or -; see /?)"},
		{"empty name", []string{"/:x"}, "mailq: /:x: missing switch name (see /?)"},
		{"smtpmode zero", []string{"/SMTPMODE:0"}, "mailq: /SMTPMODE:0: expected 1 (HELO only), 2 (EHLO only) or 3 (both); mailq numbers the modes from 1 like the /SMTPMODE switch, so the manual's key-table 0 (HELO only) is 1 here"},
		{"smtpmode four", []string{"-smtpmode=4"}, "mailq: -smtpmode=4: expected 1 (HELO only), 2 (EHLO only) or 3 (both)"},
		{"relay", []string{"/RELAY:4"}, "mailq: /RELAY:4: expected 0 (relay off), 1 (one-way), 2 (two-way) or 3 (open relay)"},
		{"port", []string{"/PORT:70000"}, "mailq: /PORT:70000: expected a port number 0..65535"},
		{"port missing", []string{"/PORT"}, "mailq: /PORT: expected a port number 0..65535"},
		{"threads", []string{"/POPTHREADS:0"}, "mailq: /POPTHREADS:0: expected a thread count 1..1024"},
		{"flag with value", []string{"/MDA:yes"}, "mailq: /MDA:yes: /MDA takes no value"},
		{"adduser no address", []string{"/ADDUSER", "/PW:x"}, "mailq: /ADDUSER: expected an address such as admin@example.com (it is empty)"},
		{"adduser equals sign", []string{"/ADDUSER:bo=b@x.test", "/PW:x"}, "mailq: /ADDUSER:bo=b@x.test: expected an address such as admin@example.com ('=' anywhere, or '#' or '`' first, cannot be stored in mailq.ini)"},
		{"adduser no pw", []string{"/ADDUSER:a@b.com"}, "mailq: /ADDUSER:a@b.com: needs a password: add /PW:password"},
		{"setpass no pw", []string{"/SETPASS:a@b.com"}, "mailq: /SETPASS:a@b.com: needs a password: add /PW:password"},
		{"pw empty", []string{"/ADDUSER:a@b.com", "/PW:"}, "mailq: /PW:: expected a password after /PW:"},
		{"pw alone", []string{"/PW:secret"}, "mailq: /PW:secret: a password is only used with /ADDUSER or /SETPASS"},
		{"pw with deluser", []string{"/DELUSER:a@b.com", "/PW:x"}, "mailq: /PW:x: a password is only used with /ADDUSER or /SETPASS"},
		{"two commands", []string{"/ADDUSER:a@b.com", "/PW:x", "/DELUSER:a@b.com"}, "mailq: /DELUSER:a@b.com: cannot be combined with /ADDUSER:a@b.com; run one command at a time"},
		{"stop and unlock", []string{"/STOP", "/UNLOCK:a@b.com"}, "mailq: /UNLOCK:a@b.com: cannot be combined with /STOP; run one command at a time"},
		{"mda with pop", []string{"/MDA", "/POP"}, "mailq: /MDA: the MDA and MXA run in the SMTP instance; start them without /POP"},
		{"mxa with pop", []string{"/pop", "/mxa"}, "mailq: /mxa: the MDA and MXA run in the SMTP instance; start them without /POP"},
		{"ini and noini", []string{"/INI:x.ini", "/NOINI"}, "mailq: /NOINI: cannot be combined with /INI:x.ini"},
		{"noini with account", []string{"/NOINI", "/UNLOCK:a@b.com"}, "mailq: /NOINI: accounts are kept in mailq.ini, which /UNLOCK:a@b.com needs"},
		{"stop bad", []string{"/STOP:ALLX"}, "mailq: /STOP:ALLX: expected SMTP, POP, WEB or SINK, or nothing to stop all"},
		{"mx none", []string{"/MX:NONE"}, "mailq: /MX:NONE: expected GATEWAY, LOCAL or REMOTE"},
		{"bind name", []string{"/BIND:localhost"}, "mailq: /BIND:localhost: expected * (every interface) or an IP address such as 127.0.0.1"},
		{"size zero", []string{"/SIZE:0"}, "mailq: /SIZE:0: expected a size such as 20MB, 512KB or 20 (in bytes), at most 1024GB"},
		{"timeout zero", []string{"/TIMEOUT:0"}, "mailq: /TIMEOUT:0: expected a whole number of seconds (or with a unit: s, m, h, d) from 1 second to 1 day"},
		{"first error reported", []string{"/PORT:x", "/RELAY:9"}, "mailq: /PORT:x: expected a port number 0..65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inv, err := ParseArgs(tc.args)
			if err == nil {
				t.Fatalf("ParseArgs(%q) = %+v; want an error", tc.args, inv)
			}
			if err.Error() != tc.want {
				t.Errorf("ParseArgs(%q) error\n got: %s\nwant: %s", tc.args, err, tc.want)
			}
			var se *SwitchError
			if !errors.As(err, &se) {
				t.Errorf("error %T is not a *SwitchError", err)
			}
		})
	}
}

func TestParseArgsDriveLetter(t *testing.T) {
	t.Parallel()
	if filepath.Separator == '\\' {
		t.Skip("drive letters are valid on Windows")
	}
	_, err := ParseArgs([]string{`/QPATH:C:\mail\queue`})
	if err == nil || !strings.Contains(err.Error(), "drive letter") {
		t.Errorf("ParseArgs(/QPATH:C:\\...) error = %v; want one about the drive letter", err)
	}
}

// helpSwitch finds the switch names in the help's left column.
var helpSwitch = regexp.MustCompile(`/([A-Z?]+)`)

func TestHelpListsEverySwitch(t *testing.T) {
	t.Parallel()
	help := HelpText("mailq")
	inHelp := map[string]bool{}
	for _, line := range strings.Split(help, "\n") {
		if len([]rune(line)) > 80 {
			t.Errorf("help line longer than 80 columns: %q", line)
		}
		for _, m := range helpSwitch.FindAllStringSubmatch(line, -1) {
			inHelp[m[1]] = true
		}
	}
	known := map[string]bool{}
	for _, n := range switchNames() {
		known[n] = true
		if !inHelp[n] {
			t.Errorf("/%s is not in the help", n)
		}
	}
	for n := range inHelp {
		if !known[n] {
			t.Errorf("the help mentions /%s, which the parser does not know", n)
		}
	}
	// Every switch of the manual's table, plus ours.
	manual := strings.Fields(`? H ADDUSER DELUSER SETPASS UNLOCK PW MDA MXA POP STOP BIND PORT SMTPTHREADS
		POPTHREADS SMTPAUTH SMTPMODE RELAY VRFY QPATH UPATH NOSCRIPT LOG LOGLEVEL MX GATEWAY WM SIZE TIMEOUT
		NICE NOFIXHDRS EXPIRY DELETEONSEND RPOP POPROD AUTOBAN POPLOCK NOBACKSPACE NOIPBLOCK NOHTTPGET NOINI
		SELECT Q TEST DEBUG INI ENABLESCRIPTS VERSION STATUS INIT WEB DKIMKEY SINK CAPTURE RELEASE TO`)
	tlsSwitches := strings.Fields("NOTLS SUBMISSION SMTPS POPS")
	manual = append(manual, tlsSwitches...)
	for _, n := range manual {
		if !known[n] {
			t.Errorf("switch /%s of the manual is missing", n)
		}
	}
	if len(known) != len(manual)+1 { // + HELP, the long form of /?
		var names []string
		for n := range known {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Errorf("the parser knows %d switches, the list above %d: %v", len(known), len(manual)+1, names)
	}
}

// sampleValues has a valid value for every switch that takes one.
var sampleValues = map[string]string{
	"ADDUSER": "a@b.com", "SETPASS": "a@b.com", "DELUSER": "a@b.com", "UNLOCK": "a@b.com", "PW": "pw",
	"STOP": "POP", "INI": "x.ini", "BIND": "*", "PORT": "2525", "WM": "hi", "TIMEOUT": "60", "NICE": "500",
	"QPATH": "q", "UPATH": "u", "AUTOBAN": "5", "SMTPTHREADS": "8", "SMTPMODE": "2", "RELAY": "1",
	"SIZE": "1MB", "POPTHREADS": "2", "POPLOCK": "3", "MX": "LOCAL", "GATEWAY": "gw", "EXPIRY": "12",
	"LOGLEVEL": "2", "INIT": "example.com", "RELEASE": "20261204000000123456", "TO": "a@b.com",
}

func TestEverySwitchParses(t *testing.T) {
	t.Parallel()
	for _, s := range switchSpecs {
		for _, n := range s.names {
			t.Run(n, func(t *testing.T) {
				t.Parallel()
				arg := "/" + n
				if s.arg != "" && !strings.HasPrefix(s.arg, "[") {
					v, ok := sampleValues[n]
					if !ok {
						t.Fatalf("no sample value for /%s", n)
					}
					arg += ":" + v
				}
				if _, _, err := splitSwitch(arg); err != nil {
					t.Fatal(err)
				}
				p := &argParser{inv: &Invocation{}}
				if err := p.one(arg); err != nil {
					t.Errorf("%s: %v", arg, err)
				}
			})
		}
	}
}

// respell writes a switch argument in another of the accepted forms.
func respell(arg string, form int) string {
	var rest string
	switch {
	case strings.HasPrefix(arg, "--"):
		rest = arg[2:]
	case strings.HasPrefix(arg, "/"), strings.HasPrefix(arg, "-"):
		rest = arg[1:]
	default:
		return arg
	}
	name, val, has := rest, "", false
	if i := strings.IndexAny(rest, ":="); i >= 0 {
		name, val, has = rest[:i], rest[i+1:], true
	}
	prefix := []string{"/", "-", "--"}[form%3]
	if form%2 == 0 {
		name = lower(name)
	} else {
		name = asciiUpper(name)
	}
	sep := []string{":", "="}[(form/3)%2]
	if !has {
		return prefix + name
	}
	return prefix + name + sep + val
}

// FuzzParseArgs checks that any command line either is refused or yields a
// Config within every limit, and that the spelling of the switches (/ - --,
// : =, case) never changes the result.
func FuzzParseArgs(f *testing.F) {
	f.Add("/MDA\n/MXA\n/PORT:2525", uint8(1))
	f.Add("/ADDUSER:a@b.com\n/PW:x", uint8(2))
	f.Add("/POP\n/WM:hello\n/POPTHREADS:100", uint8(3))
	f.Add("--gateway=host:26\n-expiry:30m\n/SIZE:512KB", uint8(4))
	f.Add("/STOP:smtp", uint8(5))
	f.Add("/QPATH:.\\q\n/UPATH:u\n/LOG\n/LOGLEVEL:3", uint8(0))
	f.Fuzz(func(t *testing.T, line string, form uint8) {
		args := strings.Split(line, "\n")
		inv, err := ParseArgs(args)
		respelled := make([]string, len(args))
		for i, a := range args {
			respelled[i] = respell(a, int(form)+i)
		}
		inv2, err2 := ParseArgs(respelled)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("%q: %v\nrespelled %q: %v", args, err, respelled, err2)
		}
		if err != nil {
			return
		}
		cmp1, cmp2 := *inv, *inv2
		cmp1.sets, cmp2.sets, cmp1.Warnings, cmp2.Warnings = nil, nil, nil, nil
		if !reflect.DeepEqual(cmp1, cmp2) {
			t.Fatalf("%q = %+v\nrespelled %q = %+v", args, cmp1, respelled, cmp2)
		}
		if inv.Command != CmdRun && inv.Command != CmdStop {
			return
		}
		base := absBase
		inv.NoINI, inv2.NoINI = true, true
		c1, err1 := loadData(nil, base, inv)
		c2, err2 := loadData(nil, base, inv2)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: Load %v; respelled: %v", args, err1, err2)
		}
		if err1 != nil {
			return // settings that contradict each other, e.g. /MX:GATEWAY without a gateway
		}
		if err := validConfig(c1); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		if len(c1.Warnings) != len(c2.Warnings) {
			t.Fatalf("%q: %q; respelled: %q", args, c1.Warnings, c2.Warnings)
		}
		c1.Warnings, c2.Warnings = nil, nil // they quote the switches as typed
		if r1, r2 := render(c1, base), render(c2, base); r1 != r2 {
			t.Fatalf("%q and %q differ:\n%s", args, respelled, diff(r1, r2))
		}
	})
}
