package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Summary returns the start-up lines that show the effective configuration
// of this instance, one setting a line, for main to print. Lines about the
// other instance are left out.
func (c *Config) Summary() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch {
	case c.INIPath == "":
		add("INI file: none read (/NOINI)")
	case !c.INIFound:
		add("INI file: none found (looked in the current folder and the program's folder); running the built-in quick-start settings; /ADDUSER writes them to %s", c.INIPath)
	default:
		add("INI file: %s", c.INIPath)
	}
	if c.Mode == ModeWeb {
		return append(out, c.webSummary()...)
	}
	port, threads := c.SMTP.Port, c.SMTP.Threads
	if c.Mode == ModePOP {
		port, threads = c.POP.Port, c.POP.Threads
	}
	bind := c.Server.Bind
	if bind == "" {
		bind = "*"
	}
	add("Listening on: %s", net.JoinHostPort(bind, strconv.Itoa(port)))
	add("Worker threads: %d", threads)
	add("Watchdog timeout: %s", humanDuration(c.Server.Timeout))
	out = append(out, c.firstCommandSummary())
	add("Host name: %s", c.Server.HostName)
	if c.Mode == ModePOP {
		out = append(out, c.popSummary()...)
	} else {
		out = append(out, c.smtpSummary()...)
	}
	out = append(out, c.tlsSummary()...)
	out = append(out, c.captureSummary()...)
	add("Log level: %d (%s)%s", c.Log.Level, c.Log.Level, logWhere(c))
	if c.Server.Test {
		add("Test mode: no mail is written or sent")
	}
	if c.Server.Debug {
		add("Debug mode: on")
	}
	return out
}

func logWhere(c *Config) string {
	if c.Log.Level == LogOff {
		return ""
	}
	return ", files in " + c.Paths.Logs
}

func (c *Config) popSummary() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("Active protocols: POP3")
	add("User root: %s", c.Paths.Users)
	add("%s", c.loginSummary())
	add("Rename on delete: %s", onOff(c.POP.RenameOnDelete))
	add("Message of the day: %s", onOff(c.Server.Motd))
	add("Auto-ban: %s", c.autoBanSummary())
	add("IP block list: %s", onOff(c.Abuse.IPBlockEnabled))
	return out
}

func (c *Config) smtpSummary() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	add("Host domain: %s", orNone(c.Server.HostDomain))
	add("Domains: %s", orNone(strings.Join(c.AllDomains(), ", ")))
	add("Active protocols: %s", c.SMTP.Mode)
	add("Queue path: %s", c.Paths.Queue)
	add("User root: %s", c.Paths.Users)
	if c.SMTP.DetectLoops {
		add("Detect loops: on, at most %d hops", c.SMTP.MaxHops)
	} else {
		add("Detect loops: off")
	}
	add("Relay mode: %s", c.SMTP.Relay)
	add("Authentication required: %s", onOff(c.SMTP.AuthRequired))
	add("%s", c.loginSummary())
	add("Size limit: %s", formatSize(c.SMTP.MaxMessageSize))
	add("Auto-ban: %s", c.autoBanSummary())
	if c.Abuse.DNSBLEnabled {
		add("DNSBL: on, %d zone(s)", len(c.DNSBL))
	} else {
		add("DNSBL: off")
	}
	add("IP block list: %s", onOff(c.Abuse.IPBlockEnabled))
	add("MDA: %s", onOff(c.MDA.Enabled))
	if c.MDA.Enabled {
		add("%s", c.aliasSummary())
		add("Unknown user folders: %s", unknownBound(c.MDA.MaxUnknownFolders))
		add("Scripts: %s", onOff(c.Scripts.Enabled))
	}
	add("MXA: %s", onOff(c.MXA.Enabled))
	if c.MXA.Enabled {
		add("Expiry time: %s", humanDuration(c.MXA.Expiry))
		add("Retry interval: %s", humanDuration(c.MXA.RetryInterval))
		add("%s", c.mxaDestSummary())
		switch c.MXA.MX {
		case MXGateway:
			add("MX mode: Gateway (%s)", c.MXA.Gateway)
		case MXLocal:
			add("MX mode: Local, %d local MX record(s)", len(c.LocalMX))
		default:
			add("MX mode: %s", c.MXA.MX)
		}
	}
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func afterFailures(n int) string {
	if n == 0 {
		return "off"
	}
	return fmt.Sprintf("after %d failed login(s)", n)
}
