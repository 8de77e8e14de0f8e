// Package config builds the one typed Config value that mailq runs with:
// built-in defaults, then mailq.ini, then command-line switches. It resolves
// every relative path against the folder that holds the INI, so the whole tree
// moves as one folder.
//
// Config is plain data. It performs no I/O after Load returns, never changes
// while mailq runs, and is handed to other packages section by section. Data
// that changes at run time ([Users], [Pop-Locked], ipblock.txt) is owned by
// the packages that edit it (accounts, policy), not by config.
//
// config imports no project package except address, and logs for LogLevel.
package config

import (
	"net/netip"
	"time"
)

// Mode says which instance a run of the binary is.
type Mode int

const (
	// ModeSMTP is the default instance: the SMTP receiver, with the MDA and
	// MXA agents when enabled.
	ModeSMTP Mode = iota
	// ModePOP is the POP3 instance (/POP).
	ModePOP
)

func (m Mode) String() string {
	if m == ModePOP {
		return "POP3"
	}
	if m == ModeWeb {
		return "Web"
	}
	if m == ModeSink {
		return "Sink"
	}
	return "SMTP"
}

// SMTPMode selects which greetings the SMTP server accepts. The manual numbers
// it 1/2/3 in the /SMTPMODE switch and its quick-start file but 0/1/2 in its
// key table; mailq uses 1/2/3 everywhere (see mailq.ini.example).
type SMTPMode int

const (
	SMTPModeHELO SMTPMode = 1 // SMTP only: HELO
	SMTPModeEHLO SMTPMode = 2 // ESMTP only: EHLO
	SMTPModeBoth SMTPMode = 3 // HELO and EHLO
)

func (m SMTPMode) String() string {
	switch m {
	case SMTPModeHELO:
		return "SMTP"
	case SMTPModeEHLO:
		return "ESMTP"
	default:
		return "SMTP and ESMTP"
	}
}

// Relay is the relay level of the manual's table. Each level includes the
// permissions of the levels below it.
type Relay int

const (
	RelayOff      Relay = 0 // local senders to local recipients only
	RelayOneWay   Relay = 1 // plus internal (authenticated) senders to external recipients
	RelayTwoWay   Relay = 2 // plus external senders to local recipients
	RelayOpen     Relay = 3 // plus external senders to external recipients
	relayLevelMax       = RelayOpen
)

func (r Relay) String() string {
	switch r {
	case RelayOff:
		return "Relay Off"
	case RelayOneWay:
		return "One-Way Relay"
	case RelayTwoWay:
		return "Two-Way Relay"
	case RelayOpen:
		return "Open Relay"
	}
	return "unknown"
}

// MXMode is how the MXA finds the server for an external recipient.
type MXMode int

const (
	MXNone    MXMode = iota // no MX mode set: external mail waits in the queue
	MXGateway               // everything to [MXA] Gateway
	MXLocal                 // the [LocalMX] table
	MXRemote                // DNS MX records
)

func (m MXMode) String() string {
	switch m {
	case MXGateway:
		return "Gateway"
	case MXLocal:
		return "Local"
	case MXRemote:
		return "Remote"
	}
	return "None"
}

// Config is the effective configuration of one run.
type Config struct {
	// Mode is the instance this run is (SMTP unless /POP).
	Mode Mode
	// INIPath is the absolute path of the INI file that was read, or the one
	// that would be read (account commands create it). Empty only with /NOINI.
	INIPath string
	// INIFound reports whether INIPath existed and was read.
	INIFound bool
	// BaseDir is the folder every relative path resolves against: the folder
	// of INIPath, or the current folder when there is none.
	BaseDir string

	Server  Server
	SMTP    SMTP
	POP     POP
	Abuse   Abuse
	MDA     MDA
	MXA     MXA
	Web     Web     // the web instance (/WEB); see web.go
	Sink    Sink    // the sink instance (/SINK); see sink.go
	Chaos   Chaos   // [Chaos]; see chaos.go
	Capture Capture // test mail server mode (capture.go)
	// Durable syncs every file and folder of the tree before answering
	// (Durable=False: fast mode, capture.go).
	Durable  bool
	Paths    Paths
	Log      Log
	TLS      TLS      // config/tls.go
	Domains  []string // [Domains] DomainN, lower-case, without duplicates
	Aliases  []Alias  // [EmailAlias] ItemN in file order
	LocalMX  []MXRoute
	Scripts  Scripts
	DNSBL    []string       // [DNSBL] ItemN zones in order
	RelayIPs []netip.Prefix // [RelayIPs] ItemN addresses or CIDR ranges

	domainKeys int // the highest N of the DomainN keys read, for NextDomainKey

	MsgAuth MsgAuth // sender authentication; see msgauth.go

	// Warnings are the non-fatal findings of Load (unknown keys, missing
	// HostName, no INI found). main prints them at start.
	Warnings []string
}

// Server holds [Config] keys shared by both instances.
type Server struct {
	// Bind is the address to listen on; "" means all interfaces (the
	// manual's "*").
	Bind string
	// HostName is the name the server announces (greeting, Received, MXA EHLO).
	HostName string
	// HostDomain is a local domain in addition to [Domains].
	HostDomain string
	// Timeout is the idle limit of a client session.
	Timeout time.Duration
	// Nice is the /NICE interval: how often the agents rescan their folders
	// for files other processes dropped there.
	Nice time.Duration
	// NoBackSpace keeps 0x08 as an ordinary byte; when false a telnet user's
	// backspace deletes the character before it.
	NoBackSpace bool
	// HTTPGet enables the HTTP GET responder on both ports.
	HTTPGet bool
	// FixHeaders adds missing Date, Message-ID, From, To and Subject headers.
	FixHeaders bool
	// EnableMouseSelect is the Windows console QuickEdit setting (/SELECT).
	EnableMouseSelect bool
	// Motd enables the POP3 MOTD command.
	Motd bool
	// DNSServer is host:port of the DNS server for MX and DNSBL lookups; ""
	// means the system resolver.
	DNSServer string
	// MinFreeDiskMB refuses new mail with 452 when the queue's file system has
	// less free space than this.
	MinFreeDiskMB int64
	// Debug (/DEBUG) shows extra information and enables the debug commands.
	Debug bool
	// Test (/TEST) runs the protocols but writes no mail and sends none.
	Test bool
	// Quiet (/Q) prints nothing on the console.
	Quiet bool
	// FirstCommandTimeout limits the time to the first command (sessions.go).
	FirstCommandTimeout time.Duration
}

// SMTP holds the SMTP receiver's keys.
type SMTP struct {
	Port    int
	Threads int
	Mode    SMTPMode
	Relay   Relay
	// AuthRequired refuses MAIL before a successful AUTH.
	AuthRequired bool
	// MaxMessageSize is the size limit in bytes.
	MaxMessageSize int64
	// MaxRecipients per message; RFC 5321 §4.5.3.1.8 requires at least 100.
	MaxRecipients int
	// MaxQueued refuses new mail with 452 while the incoming queue holds this
	// many messages; 0 means no cap.
	MaxQueued int
	// DetectLoops refuses a message with more than MaxHops Received: lines.
	DetectLoops bool
	MaxHops     int
	VRFY        bool
	// Welcome is SMTPWelcome (or /WM in SMTP mode), macros not yet expanded.
	Welcome string
}

// POP holds the POP3 server's keys.
type POP struct {
	Port    int
	Threads int
	// RenameOnDelete moves deleted messages to users/<address>/deleted/.
	RenameOnDelete bool
	// Lockout (POPLockout) blocks an address from logging in to one account
	// after this many failed logins of that account from it, over SMTP AUTH
	// and POP3 alike, for Abuse.Logins.Lock; 0 never blocks.
	Lockout int
	// RPOP is the obsolete /RPOP switch.
	RPOP bool
	// Welcome is POPWelcome (or /WM in POP mode), macros not yet expanded.
	Welcome string
}

// Abuse holds the abuse controls shared by both servers.
type Abuse struct {
	DNSBLEnabled     bool
	IPBlockEnabled   bool
	CacheIPBlockFile bool
	// AutoBan bans an IP after this many failed authentications in one
	// session; 0 is off.
	AutoBan int
	// AutoBanExpire (AutoBanMinutes) ends automatic bans after this long;
	// 0 keeps them (autoban.go).
	AutoBanExpire time.Duration
	// POPBeforeSMTP lets a client IP relay for this long after a POP3 login;
	// 0 is off.
	POPBeforeSMTP time.Duration
	// MaxConnectionsPerIP is the number of concurrent connections one IP may
	// hold per server; 0 is no limit.
	MaxConnectionsPerIP int
	// MaxMessagesPerIPHour is how many messages one IP may send an hour; 0 is
	// no limit.
	MaxMessagesPerIPHour int
	// MaxFailedCommands closes a session with 421 after this many failed
	// commands; 0 is no limit.
	MaxFailedCommands int
	// MaxUnknownRecipients blocks an IP for an hour after this many unknown
	// local recipients in one session (directory harvest); 0 is off.
	MaxUnknownRecipients int
	// HELOCheck is what to do with a bogus HELO name or one of our own names
	// from a non-local client: "off", "tag" or "refuse".
	HELOCheck string
	// LimitLocal applies the per-IP limits to loopback and [RelayIPs] clients
	// too (off by default: they are exempt).
	LimitLocal bool
	Logins     LoginLimits // guessing across sessions (logins.go)
}

// MDA holds the [MDA] section.
type MDA struct {
	Enabled            bool
	RefileUnknownUsers bool
	MaxUnknownFolders  int // see unknown.go
	// GroupsLocalOnly (GroupsLocalSendersOnly) lets only local senders
	// (logged in, loopback, [RelayIPs]) write to a distribution group.
	GroupsLocalOnly bool
	// DirectFiling lets the SMTP server file one-recipient mail straight
	// into the mailbox when the MDA runs in its process (smtp/direct.go).
	DirectFiling bool
}

// MXA holds the [MXA] section and the expiry and bounce keys.
type MXA struct {
	Enabled bool
	MX      MXMode
	// Gateway is host[:port] for MX=Gateway.
	Gateway string
	// GatewayUser and GatewayPassword log in to the gateway or catch-all host.
	GatewayUser     string
	GatewayPassword string
	// RetryInterval is SendRetrySeconds.
	RetryInterval time.Duration
	// Expiry is how long after its original receive time a message fails.
	Expiry time.Duration
	// FailureBounce sends a delivery status notification on failure.
	FailureBounce bool
	// DelayWarning is DelayWarningHours: how long after its receive time a
	// recipient still deferred gets one delay notice (RFC 3464 Action:
	// delayed) when its NOTIFY asks for DELAY or is absent; 0 never.
	DelayWarning time.Duration
	// DeleteOnSend deletes sent messages instead of keeping them in sent/.
	DeleteOnSend bool
	// Workers is the number of concurrent delivery workers.
	Workers int
	// RequireTLS refuses to deliver without STARTTLS; VerifyTLS checks the
	// peer's certificate.
	RequireTLS bool
	VerifyTLS  bool
	MXADest    // per-destination limit (mxadest.go)
}

// Paths are absolute after Load.
type Paths struct {
	Queue    string // QueuePath: incoming messages
	External string // Queue/external
	Retry    string // Queue/retry
	Sent     string // Queue/sent
	Failed   string // Queue/failed
	Bad      string // Queue/bad: sets that cannot be parsed
	Users    string // [MDA] UserPath
	Unknown  string // Users/unknown
	Logs     string
	Scripts  string
	IPBlock  string // ipblock.txt
	Motd     string // Users/motd.txt
	SMTPLock string // smtpserver.lck
	POPLock  string // popserver.lck
	WebLock  string // webserver.lck
	SinkLock string // sinkserver.lck
	KeyFile  string // mailq.key, the key that seals account secrets
	// POPBeforeSMTP is the file through which the POP3 instance tells the
	// SMTP instance which IPs logged in recently.
	POPBeforeSMTP string
	FailedLogins  string // failedlogins.txt: counts shared by both instances (logins.go)
}

// Log holds logging settings.
type Log struct {
	// Level is LogLevel or /LOGLEVEL; 0 writes no files.
	Level LogLevel
}

// Alias is one [EmailAlias] entry. From is either a full address or a bare
// local part that applies at every local domain.
type Alias struct {
	From string
	To   string
	// Also are the further targets of a distribution group (an [EmailAlias]
	// entry with several addresses after the alias, groups.go); empty for
	// a plain alias.
	Also []string
}

// MXRoute is one [LocalMX] entry. Domain "*" is the catch-all; Host "*"
// means "look the domain up in DNS".
type MXRoute struct {
	Domain string
	Host   string
	Port   int
}

// Scripts is the [Scripts] section.
type Scripts struct {
	Enabled bool
	// System is the "*" script run for every delivery; "" if none.
	System string
	// PerUser maps a lower-case address to its script path.
	PerUser map[string]string
}

// LocalDomain reports whether domain (any case) is one of ours: HostDomain or
// a [Domains] entry.
func (c *Config) LocalDomain(domain string) bool {
	d := lower(domain)
	if d == "" {
		return false
	}
	if lower(c.Server.HostDomain) == d {
		return true
	}
	for _, x := range c.Domains {
		if x == d {
			return true
		}
	}
	return false
}

// AllDomains returns HostDomain (if set) followed by the [Domains] entries,
// without duplicates.
func (c *Config) AllDomains() []string {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		d = lower(d)
		if d != "" && !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	add(c.Server.HostDomain)
	for _, d := range c.Domains {
		add(d)
	}
	return out
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
