package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"

	"mailq/config"
	"mailq/mailtest"
	"mailq/mxquery"
	"mailq/resolve"
)

// A tool runs with the value of its switch ("/STATS:30" gives "30"; "" for
// none) and the arguments after it.
type tool func(val string, args []string, stdout io.Writer) int

// Tools of the original MailQ kit that live in this binary, reached as
// "mailq /NAME[:value] ...".
var tools = map[string]tool{
	"mailtest": runMailtest,
	"mxquery":  runMXQuery,
	"tail":     runTail,
	"stats":    runStats,
	"bans":     runBans,
	"unban":    runUnban,
}

// programs are the tools the binary also is when it is copied or linked
// under the tool's own name (mailtest.exe, mxquery...), so scripts written
// for the original's separate programs keep working.
var programs = map[string]tool{
	"mailtest": runMailtest,
	"mxquery":  runMXQuery,
}

// toolsHelp ends the /? text.
const toolsHelp = `
Tools (each also runs as its own program when the binary is copied or linked
under the tool's name, as in the original MailQ kit):
  /MAILTEST server from to [password] [/switches]   test an SMTP server (/MAILTEST /? for more)
  /MAILTEST server user password /POP [/APOP]       test a POP3 server
  /MXQUERY domain [/ALL] [/DNS:server]              show how mail reaches a domain
  /TAIL[:smtp|pop3|mda|mxa|received|server] [/LINES:n]
                                follow today's log (default smtp), coloured like the
                                console, across midnight; Ctrl-C ends it
  /STATS[:days] [/TOP:n]        summarise the logs of the last days (default 7)
  /BANS                         list ipblock.txt: each ban and when it ends
  /UNBAN:address                lift the automatic bans covering an address

Services:
  /INSTALL[:name] [switches]   register this folder's SMTP instance (with the switches
                               given) and POP3 instance as services: Windows services,
                               or systemd units written into the folder on Linux
  /UNINSTALL[:name]            remove them
`

// toolFor returns the tool a command line asks for, with the value of its
// switch and its own arguments, or nil.
func toolFor(argv0 string, args []string) (t tool, val string, rest []string) {
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(argv0, `\`, "/")))
	base = strings.TrimSuffix(base, ".exe")
	if t := programs[base]; t != nil {
		return t, "", args
	}
	if len(args) > 0 && len(args[0]) > 1 && strings.ContainsRune("/-", rune(args[0][0])) {
		name, val, ok := strings.Cut(strings.TrimLeft(args[0], "/-"), ":")
		if !ok {
			name, val, _ = strings.Cut(name, "=")
		}
		if t := tools[strings.ToLower(name)]; t != nil {
			return t, val, args[1:]
		}
	}
	return nil, "", nil
}

// toolContext ends on Ctrl-C, so a hanging server never traps the user.
func toolContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

func runMailtest(_ string, args []string, stdout io.Writer) int {
	ctx, cancel := toolContext()
	defer cancel()
	host, _ := os.Hostname()
	return mailtest.Run(ctx, args, mailtest.Env{Stdout: stdout, Color: colorful(stdout), Hostname: host})
}

func runMXQuery(_ string, args []string, stdout io.Writer) int {
	q, err := mxquery.Parse(args)
	if err != nil {
		fmt.Fprintf(stdout, "mxquery: %v\nRun \"mxquery /?\" for the syntax.\n", err)
		return mxquery.ExitUsage
	}
	if q.Help {
		fmt.Fprint(stdout, mxquery.Usage)
		return mxquery.ExitOK
	}
	server := q.DNS
	if server == "" {
		// The MXA's own setting, so the tool sees what the MXA sees.
		if cfg, err := config.Load(&config.Invocation{INI: q.INI}, environment()); err == nil {
			server = cfg.Server.DNSServer
		} else {
			fmt.Fprintf(stdout, "mxquery: %v (using the system's DNS servers)\n", err)
		}
	}
	r, err := resolve.New(server)
	if err != nil {
		fmt.Fprintf(stdout, "mxquery: %v\n", err)
		return mxquery.ExitUsage
	}
	ctx, cancel := toolContext()
	defer cancel()
	return mxquery.Run(ctx, q, r, stdout)
}

// colorful reports whether w is a terminal that should get colour.
func colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
