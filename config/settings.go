package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// settings is the table: every setting of [Config], [MDA], [MXA] and
// [Scripts] Enabled, every switch, and every start-up summary line, one row
// each (table.go says how to add one). Rows are in the order of the summary;
// within each help group, /? lists the switches in this order too.
//
// Outside the table: the list sections ([Domains], [LocalMX], [EmailAlias]
// with its groups, [DNSBL], [RelayIPs], the script entries of [Scripts];
// lists.go), which hold numbered or keyed entries rather than one value, and
// the sections other packages own ([Users], [Pop-Locked]).
var settings = []rower{
	command([]string{"?", "H", "HELP"}, "", "Help", "show this help",
		func(p *argParser, _, _ string) error { p.help = true; return nil }),
	command([]string{"VERSION"}, "", "Help", "show the version",
		func(p *argParser, _, _ string) error { p.version = true; return nil }),

	account("ADDUSER", CmdAddUser, "create an account (needs /PW)"),
	account("SETPASS", CmdSetPass, "change an account's password (needs /PW)"),
	account("DELUSER", CmdDelUser, "delete an account (its mail folder is kept)"),
	account("UNLOCK", CmdUnlock, "unlock an account locked after failed logins"),
	command([]string{"INIT"}, "domain", "Accounts", "write a new mailq.ini for this domain (never over an existing one), with /ADDUSER its first account", doInit),
	row{switches: []switchSpec{{names: []string{"PW"}, arg: "password", group: "Accounts", help: "the password for /ADDUSER or /SETPASS", keepSpaces: true, do: doPW}}},

	command([]string{"POP"}, "", "Instance control", "run the POP3 instance instead of the SMTP one",
		func(p *argParser, arg, _ string) error { p.inv.Mode, p.popArg = ModePOP, arg; return nil }),
	command([]string{"WEB"}, "", "Instance control", "run the web instance (mailboxes and queue in a browser, JSON API)",
		func(p *argParser, arg, _ string) error { p.inv.Mode, p.webArg = ModeWeb, arg; return nil }),
	command([]string{"SINK"}, "", "Instance control", "run the sink instance (a stand-in remote server: accepts, or refuses by the [Chaos] rules)",
		func(p *argParser, arg, _ string) error { p.inv.Mode, p.sinkArg = ModeSink, arg; return nil }),
	row{switches: []switchSpec{dkimKeySwitch}},
	command([]string{"STOP"}, "[SMTP|POP|WEB|SINK]", "Instance control", "stop this folder's instances (all, or the one named)", doStop),
	command([]string{"STATUS"}, "", "Instance control", "say which of this folder's instances run; exit code 0 if one does, 4 if none",
		func(p *argParser, arg, _ string) error { return p.command(CmdStatus, arg) }),
	command([]string{"INI"}, "path", "Instance control", "read this configuration file instead of mailq.ini", doINI),
	command([]string{"NOINI"}, "", "Instance control", "read no INI file: built-in defaults and switches only",
		func(p *argParser, arg, _ string) error { p.inv.NoINI, p.noINIArg = true, arg; return nil }),
	switchOnly(boolK, func(c *Config) *bool { return &c.Server.Quiet }).
		flag("Q", "True", "Instance control", "quiet: no console output (watch the log files)"),

	key("Config", "Bind", "", strK(parseBind), func(c *Config) *string { return &c.Server.Bind }).
		opt("BIND", "ip|*", "Server", "listen on this IP address only (* = every interface)").show(inServers, listening),
	command([]string{"PORT"}, "n", "Server", "port of the instance being run (SMTP, or POP3; 0 = any free port)", doPort),
	row{switches: []switchSpec{{names: []string{"WM"}, arg: "text", group: "Server", help: "welcome line of the instance being run (macros ok)", keepSpaces: true, do: doWM}}},
	key("Config", "SMTPPort", "25", portK, func(c *Config) *int { return &c.SMTP.Port }),
	key("Config", "POPPort", "110", portK, func(c *Config) *int { return &c.POP.Port }),
	key("Config", "SMTPThreads", "4", threadK, func(c *Config) *int { return &c.SMTP.Threads }).
		opt("SMTPTHREADS", "n", "SMTP", "how many SMTP clients are served at once (1..64)"),
	key("Config", "POPThreads", "4", threadK, func(c *Config) *int { return &c.POP.Threads }).
		opt("POPTHREADS", "n", "POP3", "how many POP3 clients are served at once (1..64)"),
	key("Config", "Timeout", "120", durK(ruleTimeout), func(c *Config) *time.Duration { return &c.Server.Timeout }).
		opt("TIMEOUT", "secs", "Server", "disconnect clients idle this long").label("Watchdog timeout", inServers),
	// Real clients send their first command within milliseconds of the
	// greeting; only a person typing in telnet needs seconds. 30 seconds is
	// generous for both, and frees a slot held by a silent connection four
	// times sooner than Timeout (RFC 5321 §4.5.3.2.1 asks the client to wait
	// 5 minutes for our greeting; nothing asks a server to wait that long).
	key("Config", "FirstCommandTimeout", "30", durK(ruleFirstCommand), func(c *Config) *time.Duration { return &c.Server.FirstCommandTimeout }).
		show(inServers, firstCommandSummary),
	key("Config", "Nice", "500", durK(ruleNice), func(c *Config) *time.Duration { return &c.Server.Nice }).
		optKind("NICE", "ms", "Server", "agents' folder rescan interval", niceSwitchK),
	key("Config", "HostName", "", strK(parseHostName), func(c *Config) *string { return &c.Server.HostName }).
		label("Host name", inServers),
	key("Config", "HostDomain", "", strK(parseDomain), func(c *Config) *string { return &c.Server.HostDomain }).
		show(inSMTP, func(c *Config) []string {
			return []string{"Host domain: " + orNone(c.Server.HostDomain), "Domains: " + orNone(strings.Join(c.AllDomains(), ", "))}
		}),
	key("Config", "SMTPMode", "3", k(parseSMTPMode), func(c *Config) *SMTPMode { return &c.SMTP.Mode }).
		opt("SMTPMODE", "1|2|3", "SMTP", "greetings accepted: 1 HELO only, 2 EHLO only, 3 both").
		show(inServers, func(c *Config) []string {
			if c.Mode == ModePOP {
				return []string{"Active protocols: POP3"}
			}
			return []string{"Active protocols: " + c.SMTP.Mode.String()}
		}),
	pathKey("Config", "QueuePath", func(p *Paths) *string { return &p.Queue }, nil, "queue").
		with(folder("QPATH", "the queue folder", func(p *Paths) *string { return &p.Queue })).label("Queue path", inSMTP),
	pathKey("MDA", "UserPath", func(p *Paths) *string { return &p.Users }, nil, "users").
		with(folder("UPATH", "the root of the user mailboxes", func(p *Paths) *string { return &p.Users })).label("User root", inServers),
	key("Config", "SMTPDetectMessageLoops", "True", boolK, func(c *Config) *bool { return &c.SMTP.DetectLoops }).
		show(inSMTP, func(c *Config) []string {
			if c.SMTP.DetectLoops {
				return []string{fmt.Sprintf("Detect loops: on, at most %d hops", c.SMTP.MaxHops)}
			}
			return []string{"Detect loops: off"}
		}),
	key("Config", "SMTPMaxHops", "50", intK(parseHops), func(c *Config) *int { return &c.SMTP.MaxHops }),
	key("Config", "SMTPRelay", "1", kind[Relay]{parse: parseRelay, format: func(r Relay) string { return strconv.Itoa(int(r)) }, human: Relay.String},
		func(c *Config) *Relay { return &c.SMTP.Relay }).alsoKey("Config", "SMTPRelayLevel", "level").
		opt("RELAY", "0..3", "SMTP", "relay: 0 off, 1 one-way, 2 two-way, 3 open (unsafe)").label("Relay mode", inSMTP),
	key("Config", "SMTPAuthRequired", "False", boolK, func(c *Config) *bool { return &c.SMTP.AuthRequired }).
		flag("SMTPAUTH", "True", "SMTP", "require SMTP authentication (AUTH) before MAIL").label("Authentication required", inSMTP),
	key("Config", "SMTPVRFYEnabled", "False", boolK, func(c *Config) *bool { return &c.SMTP.VRFY }).
		flag("VRFY", "True", "SMTP", "enable the VRFY command (it reveals accounts)"),
	key("Config", "POPLockout", "5", countK("a number of failed logins (0 = never lock)"), func(c *Config) *int { return &c.POP.Lockout }).
		opt("POPLOCK", "n", "POP3", "block an address from an account after n failed logins (0 = never)").show(inServers, loginSummary),
	// With the 1-second delay after each failure and POPLockout=5, an
	// account sees at most 20 guesses per 15 minutes, however many addresses
	// guess; its owner, from an address that has not failed, is locked out
	// only while such an attack runs, and for 15 minutes at most after it.
	key("Config", "MaxFailedLoginsPerIP", "20", countK("a number of failed logins (0 = off)"), func(c *Config) *int { return &c.Abuse.Logins.PerIP }),
	key("Config", "MaxFailedLoginsPerAccount", "20", countK("a number of failed logins (0 = off)"), func(c *Config) *int { return &c.Abuse.Logins.PerAccount }),
	key("Config", "LockoutMinutes", "15", durK(ruleLockout), func(c *Config) *time.Duration { return &c.Abuse.Logins.Lock }),
	key("Config", "POPRenameOnDelete", "False", boolK, func(c *Config) *bool { return &c.POP.RenameOnDelete }).
		flag("POPROD", "True", "POP3", "keep messages POP3 clients delete, in deleted/").label("Rename on delete", inPOP),
	key("Config", "POPRPOPEnabled", "False", boolK, func(c *Config) *bool { return &c.POP.RPOP }).
		flag("RPOP", "True", "POP3", "RPOP logins: not supported (the POP3 instance refuses to start with it)"),
	key("Config", "Motd", "False", boolK, func(c *Config) *bool { return &c.Server.Motd }).label("Message of the day", inPOP),
	key("Config", "SMTPMaxMessageSize", "20", sizeMBK, func(c *Config) *int64 { return &c.SMTP.MaxMessageSize }).
		optKind("SIZE", "n", "SMTP", "largest message: bytes, or 512KB, 20MB", sizeBytesK).label("Size limit", inSMTP),
	key("Config", "FixHeaders", "True", boolK, func(c *Config) *bool { return &c.Server.FixHeaders }).
		flag("NOFIXHDRS", "False", "SMTP", "do not add missing headers (Date, Message-ID...)"),
	key("Config", "AutoBan", "100", countK("a number of failed logins (0 = off)"), func(c *Config) *int { return &c.Abuse.AutoBan }).
		opt("AUTOBAN", "n", "Server", "ban an IP after n failed logins (0 = off)").show(inServers, autoBanSummary),
	key("Config", "AutoBanMinutes", "0", durK(ruleAutoBanExpire), func(c *Config) *time.Duration { return &c.Abuse.AutoBanExpire }),
	key("Config", "DNSBLEnabled", "False", boolK, func(c *Config) *bool { return &c.Abuse.DNSBLEnabled }).
		show(inSMTP, func(c *Config) []string {
			if c.Abuse.DNSBLEnabled {
				return []string{fmt.Sprintf("DNSBL: on, %d zone(s)", len(c.DNSBL))}
			}
			return []string{"DNSBL: off"}
		}),
	key("Config", "IPBlockEnabled", "True", boolK, func(c *Config) *bool { return &c.Abuse.IPBlockEnabled }).
		flag("NOIPBLOCK", "False", "Server", "do not read the IP block list (ipblock.txt)").label("IP block list", inServers),
	key("Config", "HTTPGet", "True", boolK, func(c *Config) *bool { return &c.Server.HTTPGet }).
		flag("NOHTTPGET", "False", "Server", "do not answer HTTP GET requests"),
	key("Config", "NoBackSpace", "False", boolK, func(c *Config) *bool { return &c.Server.NoBackSpace }).
		flag("NOBACKSPACE", "True", "Server", "treat backspace (0x08) as an ordinary character"),

	key("MDA", "Enabled", "False", boolK, func(c *Config) *bool { return &c.MDA.Enabled }).
		with(agent("MDA", "run the delivery agent (files mail into mailboxes)", func(c *Config) *bool { return &c.MDA.Enabled })).
		label("MDA", inSMTP),
	key("MDA", "GroupsLocalSendersOnly", "False", boolK, func(c *Config) *bool { return &c.MDA.GroupsLocalOnly }).
		show(inSMTP, aliasSummary).when(mdaOn),
	// Enough for any real stream of misaddressed mail, few enough that a
	// client naming a new address in every RCPT cannot fill the disk with
	// folders (issue 22). Once reached, RCPT refuses unknown users that have
	// no folder yet (550 5.1.1, as with RefileUnknownUsers=False).
	key("MDA", "MaxUnknownFolders", "1000", countK("a number of folders (0 = no bound)"), func(c *Config) *int { return &c.MDA.MaxUnknownFolders }).
		show(inSMTP, func(c *Config) []string {
			return []string{"Unknown user folders: " + unknownBound(c.MDA.MaxUnknownFolders)}
		}).when(mdaOn),
	key("Scripts", "Enabled", "False", boolK, func(c *Config) *bool { return &c.Scripts.Enabled }).
		flag("NOSCRIPT", "False", "Agents (MDA and MXA)", "run no delivery scripts, whatever [Scripts] says").
		flag("ENABLESCRIPTS", "True", "Agents (MDA and MXA)", "run the [Scripts] scripts even if Enabled=False").
		label("Scripts", inSMTP).when(mdaOn),
	key("MDA", "RefileUnknownUsers", "True", boolK, func(c *Config) *bool { return &c.MDA.RefileUnknownUsers }),
	key("MDA", "DirectFiling", "True", boolK, func(c *Config) *bool { return &c.MDA.DirectFiling }),

	key("MXA", "Enabled", "False", boolK, func(c *Config) *bool { return &c.MXA.Enabled }).
		with(agent("MXA", "run the exchange agent (sends mail to other servers)", func(c *Config) *bool { return &c.MXA.Enabled })).
		label("MXA", inSMTP),
	key("MXA", "MessageExpiry", "1440", durK(ruleExpiryINI), func(c *Config) *time.Duration { return &c.MXA.Expiry }).
		alsoKey("Config", "SMTPMessageExpiry", "").
		optKind("EXPIRY", "hours", "Agents (MDA and MXA)", "give up on mail after n hours, or 30m, 2d", unitK(ruleExpirySwitch)).
		label("Expiry time", inSMTP).when(mxaOn),
	key("MXA", "SendRetrySeconds", "600", durK(ruleRetry), func(c *Config) *time.Duration { return &c.MXA.RetryInterval }).
		label("Retry interval", inSMTP).when(mxaOn),
	// With the default four workers, half stay free for other destinations
	// while one hangs; mail to one busy domain waits for its turn.
	key("MXA", "MaxConnectionsPerDestination", "2", countK("a number of connections (0 = no limit)"),
		func(c *Config) *int { return &c.MXA.MaxConnectionsPerDestination }).show(inSMTP, mxaDestSummary).when(mxaOn),
	key("MXA", "MX", "", k(parseMX), func(c *Config) *MXMode { return &c.MXA.MX }).with(mxSwitch).show(inSMTP, mxSummary).when(mxaOn),
	key("MXA", "Gateway", "", strK(parseGateway), func(c *Config) *string { return &c.MXA.Gateway }).with(gatewaySwitch),
	key("Config", "SMTPDeleteOnSend", "False", boolK, func(c *Config) *bool { return &c.MXA.DeleteOnSend }).
		flag("DELETEONSEND", "True", "Agents (MDA and MXA)", "delete sent mail instead of keeping it"),
	key("Config", "SMTPEnableFailureBounce", "False", boolK, func(c *Config) *bool { return &c.MXA.FailureBounce }),
	key("MXA", "DelayWarningHours", "4", unitK(durationRule{unit: time.Hour, min: 0, max: 365 * 24 * time.Hour}),
		func(c *Config) *time.Duration { return &c.MXA.DelayWarning }),
	key("MXA", "GatewayUser", "", textK, func(c *Config) *string { return &c.MXA.GatewayUser }),
	key("MXA", "GatewayPassword", "", textK, func(c *Config) *string { return &c.MXA.GatewayPassword }),
	key("MXA", "Workers", "4", threadK, func(c *Config) *int { return &c.MXA.Workers }),
	key("MXA", "RequireTLS", "False", boolK, func(c *Config) *bool { return &c.MXA.RequireTLS }),
	key("MXA", "VerifyTLS", "False", boolK, func(c *Config) *bool { return &c.MXA.VerifyTLS }),
	key("MXA", "GatewayTLS", "", k(parseTLSPolicy), func(c *Config) *TLSPolicy { return &c.TLS.GatewayTLS }),

	key("Config", "TLSEnabled", "True", boolK, func(c *Config) *bool { return &c.TLS.Enabled }).
		flag("NOTLS", "False", "Server", "offer neither STARTTLS nor STLS; open no TLS port").show(inServers, tlsSummary),
	key("Config", "SubmissionPort", "off", extraPortK, func(c *Config) *int { return &c.TLS.SubmissionPort }).
		opt("SUBMISSION", "n|off", "Server", "also listen for message submission (587, AUTH required)"),
	key("Config", "SMTPSPort", "off", extraPortK, func(c *Config) *int { return &c.TLS.SMTPSPort }).
		opt("SMTPS", "n|off", "Server", "also listen for SMTP over implicit TLS (465)"),
	key("Config", "POP3SPort", "off", extraPortK, func(c *Config) *int { return &c.TLS.POP3SPort }).
		opt("POPS", "n|off", "Server", "also listen for POP3 over implicit TLS (995)"),
	fileKey("Config", "TLSCert", func(c *Config) *string { return &c.TLS.CertFile }),
	fileKey("Config", "TLSKey", func(c *Config) *string { return &c.TLS.KeyFile }),
	key("Config", "TLSHandshakeSeconds", "30", durK(ruleHandshake), func(c *Config) *time.Duration { return &c.TLS.HandshakeTimeout }),
	key("Config", "RequireTLSForAuth", "False", boolK, func(c *Config) *bool { return &c.TLS.RequireForAuth }),
	key("Config", "SMTPRequireTLS", "False", boolK, func(c *Config) *bool { return &c.TLS.SMTPRequire }),

	// Capture mode, the test mail server (capture.go), and fast mode.
	key("Config", "Durable", "True", boolK, func(c *Config) *bool { return &c.Durable }).
		show(inServers, (*Config).captureSummary),
	key("Config", "Capture", "False", boolK, func(c *Config) *bool { return &c.Capture.On }).with(captureSwitch),
	key("Config", "CaptureAuth", "False", boolK, func(c *Config) *bool { return &c.Capture.Auth }),
	key("Config", "CapturePlusFold", "False", boolK, func(c *Config) *bool { return &c.Capture.PlusFold }),
	key("Config", "CaptureMailbox", "", strK(parseCaptureMailbox), func(c *Config) *string { return &c.Capture.Mailbox }),
	pairKey("CaptureMaxMessages", "1000,10000", "a number of messages", func(c *Config) *int { return &c.Capture.MaxMessages }, func(c *Config) *int { return &c.Capture.TotalMessages }),
	pairKey("CaptureMaxMB", "100,1000", "a number of megabytes", func(c *Config) *int64 { return &c.Capture.MaxMB }, func(c *Config) *int64 { return &c.Capture.TotalMB }),
	key("Config", "ReleaseDomains", "", k(parseDomainList), func(c *Config) *[]string { return &c.Capture.ReleaseDomains }).
		with(releaseSwitch).with(toSwitch),

	// Sender authentication (msgauth.go); [DKIM] is a list section. The
	// [Chaos] rules (chaos.go, a list section too) show their line here.
	key("Config", "SPFPolicy", "accept", strK(authPolicy(false)), func(c *Config) *string { return &c.MsgAuth.SPFPolicy }).
		show(inSMTP, func(c *Config) []string { return append([]string{c.msgAuthSummary()}, c.chaosSummary(false)...) }),
	key("Config", "DKIMPolicy", "accept", strK(authPolicy(false)), func(c *Config) *string { return &c.MsgAuth.DKIMPolicy }),
	key("Config", "DMARCPolicy", "accept", strK(authPolicy(true)), func(c *Config) *string { return &c.MsgAuth.DMARCPolicy }),
	key("Config", "SpamSubjectTag", "[SPAM]", textK, func(c *Config) *string { return &c.MsgAuth.SpamSubjectTag }),

	key("Config", "LogLevel", "0", k(parseLogLevel), func(c *Config) *LogLevel { return &c.Log.Level }).
		with(logSwitch).opt("LOGLEVEL", "0..4", "Logging", "detail: 0 off, 1 normal, 2 info, 3 crit, 4 debug").
		show(inServers, func(c *Config) []string {
			return []string{fmt.Sprintf("Log level: %d (%s)%s", c.Log.Level, c.Log.Level, logWhere(c))}
		}),
	switchOnly(boolK, func(c *Config) *bool { return &c.Server.Test }).
		flag("TEST", "True", "Instance control", "run the protocols but write and send no mail").
		show(inServers, func(c *Config) []string { return []string{"Test mode: no mail is written or sent"} }).
		when(func(c *Config) bool { return c.Server.Test }),
	switchOnly(boolK, func(c *Config) *bool { return &c.Server.Debug }).
		flag("DEBUG", "True", "Instance control", "show extra information; enable debug commands").
		show(inServers, func(c *Config) []string { return []string{"Debug mode: on"} }).
		when(func(c *Config) bool { return c.Server.Debug }),
	key("Config", "EnableMouseSelect", "False", boolK, func(c *Config) *bool { return &c.Server.EnableMouseSelect }).
		flag("SELECT", "True", "Instance control", "allow mouse selection in a Windows console"),

	key("Config", "WebPort", "8025", portK, func(c *Config) *int { return &c.Web.Port }).show(inWeb, webSummary),
	key("Config", "WebBind", "127.0.0.1", strK(parseBind), func(c *Config) *string { return &c.Web.Bind }),
	key("Config", "WebAdmins", "", k(parseAddressList), func(c *Config) *[]string { return &c.Web.Admins }),
	key("Config", "WebLoginLocal", "False", boolK, func(c *Config) *bool { return &c.Web.LoginLocal }),

	// The sink instance (sink.go).
	key("Config", "SinkPort", "2525", portK, func(c *Config) *int { return &c.Sink.Port }).show(inSink, (*Config).sinkSummary),
	key("Config", "SinkKeep", "False", boolK, func(c *Config) *bool { return &c.Sink.Keep }),

	key("Config", "CacheIPBlockFile", "True", boolK, func(c *Config) *bool { return &c.Abuse.CacheIPBlockFile }),
	key("Config", "DNSServer", "", strK(parseDNSServer), func(c *Config) *string { return &c.Server.DNSServer }),
	key("Config", "MinFreeDiskMB", "100", k(parseMB), func(c *Config) *int64 { return &c.Server.MinFreeDiskMB }),
	key("Config", "SMTPWelcome", "", textK, func(c *Config) *string { return &c.SMTP.Welcome }),
	key("Config", "POPWelcome", "", textK, func(c *Config) *string { return &c.POP.Welcome }),
	key("Config", "SMTPMaxRecipients", "100", maxRecipientsK, func(c *Config) *int { return &c.SMTP.MaxRecipients }),
	key("Config", "SMTPMaxQueued", "100000", countK("a number of messages (0 = no cap)"), func(c *Config) *int { return &c.SMTP.MaxQueued }),
	key("Config", "POPBeforeSMTPMinutes", "0", durK(rulePOPBefore), func(c *Config) *time.Duration { return &c.Abuse.POPBeforeSMTP }),
	key("Config", "MaxConnectionsPerIP", "20", countK("a number of connections (0 = no limit)"), func(c *Config) *int { return &c.Abuse.MaxConnectionsPerIP }),
	key("Config", "MaxMessagesPerIPHour", "0", countK("a number of messages (0 = no limit)"), func(c *Config) *int { return &c.Abuse.MaxMessagesPerIPHour }),
	key("Config", "MaxFailedCommands", "20", countK("a number of commands (0 = no limit)"), func(c *Config) *int { return &c.Abuse.MaxFailedCommands }),
	key("Config", "MaxUnknownRecipients", "0", countK("a number of recipients (0 = off)"), func(c *Config) *int { return &c.Abuse.MaxUnknownRecipients }),
	key("Config", "HELOCheck", "off", strK(parseHELOCheck), func(c *Config) *string { return &c.Abuse.HELOCheck }),
	key("Config", "LimitLocal", "False", boolK, func(c *Config) *bool { return &c.Abuse.LimitLocal }),

	// Paths: each defaults to a name under the INI's folder, or under
	// QueuePath or UserPath, which come first (fill relies on that).
	pathKey("MXA", "ExternalPath", func(p *Paths) *string { return &p.External }, queueDir, "external"),
	pathKey("MXA", "RetryPath", func(p *Paths) *string { return &p.Retry }, queueDir, "retry"),
	pathKey("MXA", "SentPath", func(p *Paths) *string { return &p.Sent }, queueDir, "sent"),
	pathKey("MXA", "FailedPath", func(p *Paths) *string { return &p.Failed }, queueDir, "failed"),
	pathKey("Config", "BadPath", func(p *Paths) *string { return &p.Bad }, queueDir, "bad"),
	pathKey("MDA", "UnknownPath", func(p *Paths) *string { return &p.Unknown }, usersDir, "unknown"),
	pathKey("Config", "MotdFile", func(p *Paths) *string { return &p.Motd }, usersDir, "motd.txt"),
	pathKey("Config", "LogPath", func(p *Paths) *string { return &p.Logs }, nil, "logs"),
	pathKey("Config", "ScriptPath", func(p *Paths) *string { return &p.Scripts }, nil, "scripts"),
	pathKey("Config", "IPBlockFile", func(p *Paths) *string { return &p.IPBlock }, nil, "ipblock.txt"),
	pathKey("Config", "SMTPLockFile", func(p *Paths) *string { return &p.SMTPLock }, nil, "smtpserver.lck"),
	pathKey("Config", "POPLockFile", func(p *Paths) *string { return &p.POPLock }, nil, "popserver.lck"),
	pathKey("Config", "WebLockFile", func(p *Paths) *string { return &p.WebLock }, nil, "webserver.lck"),
	pathKey("Config", "SinkLockFile", func(p *Paths) *string { return &p.SinkLock }, nil, "sinkserver.lck"),
	pathKey("Config", "KeyFile", func(p *Paths) *string { return &p.KeyFile }, nil, "mailq.key"),
	pathKey("Config", "POPBeforeSMTPFile", func(p *Paths) *string { return &p.POPBeforeSMTP }, nil, "popbeforesmtp.txt"),
	pathKey("Config", "FailedLoginsFile", func(p *Paths) *string { return &p.FailedLogins }, nil, "failedlogins.txt"),
}

const (
	// DefaultMaxRecipients is the least room for recipients RFC 5321
	// §4.5.3.1.8 requires, and the default of SMTPMaxRecipients (a test
	// checks that they agree).
	DefaultMaxRecipients = 100
	// MaxThreadsAdvised is the manual's limit on threads and workers.
	MaxThreadsAdvised = 64
)

// listening is the first summary lines: the instance's address and threads.
func listening(c *Config) []string {
	port, threads := c.SMTP.Port, c.SMTP.Threads
	if c.Mode == ModePOP {
		port, threads = c.POP.Port, c.POP.Threads
	}
	return []string{"Listening on: " + net.JoinHostPort(orStar(c.Server.Bind), strconv.Itoa(port)),
		fmt.Sprintf("Worker threads: %d", threads)}
}

func mdaOn(c *Config) bool { return c.MDA.Enabled }
func mxaOn(c *Config) bool { return c.MXA.Enabled }

func logWhere(c *Config) string {
	if c.Log.Level == LogOff {
		return ""
	}
	return ", files in " + c.Paths.Logs
}

func mxSummary(c *Config) []string {
	switch c.MXA.MX {
	case MXGateway:
		return []string{fmt.Sprintf("MX mode: Gateway (%s)", c.MXA.Gateway)}
	case MXLocal:
		return []string{fmt.Sprintf("MX mode: Local, %d local MX record(s)", len(c.LocalMX))}
	}
	return []string{fmt.Sprintf("MX mode: %s", c.MXA.MX)}
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

func orStar(bind string) string {
	if bind == "" {
		return "*"
	}
	return bind
}

func firstCommandSummary(c *Config) []string {
	if c.Server.FirstCommandTimeout <= 0 {
		return []string{"First command within: Timeout (FirstCommandTimeout=0)"}
	}
	return []string{"First command within: " + humanDuration(c.Server.FirstCommandTimeout)}
}

func autoBanSummary(c *Config) []string {
	s := "off"
	if n := c.Abuse.AutoBan; n > 0 {
		s = fmt.Sprintf("after %d failed login(s), for ever", n)
		if c.Abuse.AutoBanExpire > 0 {
			s = fmt.Sprintf("after %d failed login(s), for %s", n, humanDuration(c.Abuse.AutoBanExpire))
		}
	}
	return []string{"Auto-ban: " + s}
}

func unknownBound(n int) string {
	if n == 0 {
		return "no bound"
	}
	return fmt.Sprintf("at most %d", n)
}
