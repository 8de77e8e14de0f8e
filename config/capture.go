package config

import (
	"fmt"
	"net/netip"
	"strings"

	"mailq/address"
)

// Capture is the test-mail-server mode (Capture=True, /CAPTURE): every
// recipient at every domain is accepted and filed into a mailbox of its
// own, made on first delivery, and nothing leaves the machine except what
// an administrator releases with /RELEASE to a domain of ReleaseDomains.
type Capture struct {
	// On is Capture (or /CAPTURE).
	On bool
	// WithPOP runs the POP3 server in the SMTP instance's process too: set
	// by /CAPTURE, the one-word start of a test server.
	WithPOP bool
	// Auth is CaptureAuth: logins (SMTP AUTH and POP3) are checked against
	// the real accounts. When false any name and password logs in, and a
	// POP3 login reads the mailbox of the name given.
	Auth bool
	// PlusFold is CapturePlusFold: user+tag@domain is filed as user@domain
	// (the address as received is kept in X-Original-To).
	PlusFold bool
	// Mailbox is CaptureMailbox: one mailbox for everything; "" for a
	// mailbox per recipient.
	Mailbox string
	// MaxMessages and MaxMB are CaptureMaxMessages=n[,total] and
	// CaptureMaxMB=n[,total]: the most messages and megabytes per mailbox
	// and in all mailboxes together; the oldest go first. 0 is no limit.
	MaxMessages, TotalMessages int
	MaxMB, TotalMB             int64
	// ReleaseDomains is the allow-list of /RELEASE: a captured message may
	// be sent on for real only to these domains (lower-case).
	ReleaseDomains []string
}

// Capture retention defaults (a long test run cannot fill the disk) are
// the rows' ("1000,10000", "100,1000"); a total left out of a value keeps
// its default.
const (
	defaultCaptureTotal   = 10000
	defaultCaptureTotalMB = 1000
	// captureThreads is SMTPThreads and POPThreads in capture mode unless
	// set: sessions a test suite may open at once.
	captureThreads = 32
)

// MailboxFor is the mailbox a recipient's copy is filed into in capture
// mode (and the mailbox a POP3 login of that name reads): CaptureMailbox
// when set, else the address itself, with a +tag dropped under PlusFold.
// The folder is named from it by address.SafeName, as any mailbox.
func (c Capture) MailboxFor(addr string) string {
	if c.Mailbox != "" {
		return c.Mailbox
	}
	addr = strings.ToLower(addr)
	if !c.PlusFold {
		return addr
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local := addr[:at]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + addr[at:]
}

// ReleaseAllowed reports whether mail may be released to addr: its domain
// is one of ReleaseDomains (any case).
func (c Capture) ReleaseAllowed(addr string) bool {
	mb, err := address.ParseMailbox(addr)
	if err != nil {
		return false
	}
	d := lower(mb.Domain)
	for _, x := range c.ReleaseDomains {
		if x == d {
			return true
		}
	}
	return false
}

// pairKey is a row of "n[,total]" (per mailbox, and in all) stored in two
// fields; a total not given is -1 until finishCapture gives it its default.
func pairKey[T int | int64](name, def, what string, n, total func(*Config) *T) row {
	return row{sec: "Config", key: name, def: def,
		set: func(c *Config, _, v string) (string, error) {
			a, b, err := parsePair(v, what)
			if err == nil {
				*n(c), *total(c) = T(a), T(b)
			}
			return "", err
		},
		cur: func(c *Config) string { return fmt.Sprintf("%d,%d", *n(c), *total(c)) }}
}

// isSet reports whether the INI file set [sec] name (either spelling).
func (ld *loader) isSet(sec, name string) bool {
	k, ok := keyIndex[spellingKey(sec, name)]
	if !ok {
		panic("config: no setting [" + sec + "] " + name)
	}
	_, set := ld.given[k.r]
	return set
}

// parseCaptureMailbox reads CaptureMailbox: an address that can name a
// mailbox folder.
func parseCaptureMailbox(v string) (string, error) {
	a, err := parseAddress(v)
	if err != nil {
		return "", err
	}
	if _, err := address.SafeName(a); err != nil {
		return "", expected("an address that can name a mailbox folder")
	}
	return a, nil
}

// parsePair reads "n" or "n,total" (per mailbox, and in all); a total not
// given keeps its default.
func parsePair(v, what string) (n, total int64, err error) {
	first, second, both := strings.Cut(v, ",")
	a, err := parseCount(strings.TrimSpace(first), what+" (0 = no limit)")
	if err != nil {
		return 0, 0, err
	}
	if !both {
		return int64(a), -1, nil
	}
	b, err := parseCount(strings.TrimSpace(second), what+" (0 = no limit)")
	if err != nil {
		return 0, 0, err
	}
	return int64(a), int64(b), nil
}

// parseDomainList reads domains separated by commas or blanks.
func parseDomainList(v string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		d, err := parseDomain(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		out = append(out, lower(d))
	}
	return out, nil
}

// captureSwitch is /CAPTURE: capture mode, with the POP3 server in the same
// process, so that "mailq /capture" is the whole set-up of a test server.
var captureSwitch = switchSpec{names: []string{"CAPTURE"}, group: "Instance control",
	help: "test mail server: accept mail to anyone, file it per recipient, send nothing out; SMTP, MDA and POP3 in one process",
	do: func(p *argParser, arg, _ string) error {
		p.captureArg = arg
		p.set(func(ld *loader, _ string) { ld.c.Capture.On, ld.c.Capture.WithPOP = true, true })
		return nil
	}}

// checkCapture refuses switches that do not go with /CAPTURE.
func (p *argParser) checkCapture() error {
	switch {
	case p.captureArg == "":
		return nil
	case p.popArg != "":
		return &SwitchError{Arg: p.captureArg, Err: fmt.Errorf("already runs the POP3 server; leave out %s", p.popArg)}
	case p.webArg != "":
		return &SwitchError{Arg: p.captureArg, Err: fmt.Errorf("cannot be combined with %s; run the web instance on its own", p.webArg)}
	case p.sinkArg != "":
		return &SwitchError{Arg: p.captureArg, Err: fmt.Errorf("cannot be combined with %s; the sink keeps or discards, it does not capture", p.sinkArg)}
	}
	return nil
}

// finishCapture settles what capture mode implies: the MDA files every
// message; mail is not synced to disk (Durable=False) unless Durable is
// set; STARTTLS is not offered unless TLSEnabled is set (a test client with
// default settings would upgrade and then refuse the self-signed
// certificate); SMTPThreads and POPThreads are captureThreads unless set;
// a negative total (not given) takes its default.
func (ld *loader) finishCapture() {
	c := ld.c
	if c.Capture.TotalMessages < 0 {
		c.Capture.TotalMessages = defaultCaptureTotal
	}
	if c.Capture.TotalMB < 0 {
		c.Capture.TotalMB = defaultCaptureTotalMB
	}
	if !c.Capture.On || c.Mode == ModeWeb || c.Mode == ModeSink {
		return
	}
	if c.Mode == ModeSMTP {
		c.MDA.Enabled = true
	}
	if !ld.isSet("Config", "Durable") {
		c.Durable = false
	}
	if !ld.isSet("Config", "TLSEnabled") {
		c.TLS.Enabled = false
	}
	// A test suite opens many sessions at once; the default of 4 suits a
	// small office, not a test run.
	d := Default()
	if c.SMTP.Threads == d.SMTP.Threads && !ld.isSet("Config", "SMTPThreads") {
		c.SMTP.Threads = captureThreads
	}
	if c.POP.Threads == d.POP.Threads && !ld.isSet("Config", "POPThreads") {
		c.POP.Threads = captureThreads
	}
	if !c.Capture.Auth && !loopbackBind(c.Server.Bind) {
		ld.warn("[Config] Capture=True and Bind=%s: anyone who reaches this server reads every captured mailbox over POP3 with any password; set Bind=127.0.0.1 or CaptureAuth=True", orStar(c.Server.Bind))
	}
	if c.MXA.Enabled && len(c.Capture.ReleaseDomains) == 0 {
		ld.warn("[Config] Capture=True: the MXA is not started (it would relay only mail released to ReleaseDomains, which is empty)")
	}
}

// CaptureMXA reports whether the MXA runs: in capture mode only when it is
// enabled and ReleaseDomains is not empty, and then only for recipients at
// those domains.
func (c *Config) CaptureMXA() bool {
	if !c.Capture.On {
		return c.MXA.Enabled
	}
	return c.MXA.Enabled && len(c.Capture.ReleaseDomains) > 0
}

// captureSummary is the start-up summary of capture mode and of Durable.
func (c *Config) captureSummary() []string {
	var out []string
	if !c.Durable {
		out = append(out, "Durable: off (fast mode: nothing is synced to disk; a power cut may lose accepted mail)")
	}
	if !c.Capture.On {
		return out
	}
	box := "one per recipient"
	if c.Capture.Mailbox != "" {
		box = "all mail in " + c.Capture.Mailbox
	} else if c.Capture.PlusFold {
		box += ", user+tag@ filed as user@"
	}
	logins := "any name and password"
	if c.Capture.Auth {
		logins = "accounts only (CaptureAuth=True)"
	}
	release := "nowhere (ReleaseDomains is empty)"
	if len(c.Capture.ReleaseDomains) > 0 {
		release = strings.Join(c.Capture.ReleaseDomains, ", ")
	}
	return append(out,
		"CAPTURE MODE: every recipient accepted, nothing is sent out",
		"Capture mailboxes: "+box,
		"Capture logins: "+logins,
		fmt.Sprintf("Capture limits: %s and %s per mailbox, %s and %s in all (oldest removed first)",
			limit(int64(c.Capture.MaxMessages), "messages"), limit(c.Capture.MaxMB, "MB"),
			limit(int64(c.Capture.TotalMessages), "messages"), limit(c.Capture.TotalMB, "MB")),
		"Release (/RELEASE) allowed to: "+release,
	)
}

func limit(n int64, unit string) string {
	if n == 0 {
		return "no limit of " + unit
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// Release is what /RELEASE:id /TO:address asks: send captured message ID
// on to To through the MXA.
type Release struct {
	ID string // the queue id of the captured message, as typed
	To string // the address, lower-case
}

// releaseSwitch is /RELEASE:id, with /TO:address.
var releaseSwitch = switchSpec{names: []string{"RELEASE"}, arg: "id", group: "Instance control",
	help: "send captured message id on for real (with /TO; only to ReleaseDomains)",
	do: func(p *argParser, arg, v string) error {
		if v == "" {
			return expected("the id of a captured message after /RELEASE:")
		}
		p.inv.Release.ID = v
		return p.command(CmdRelease, arg)
	}}

// toSwitch is /TO:address, the destination of /RELEASE.
var toSwitch = switchSpec{names: []string{"TO"}, arg: "address", group: "Instance control",
	help: "the address /RELEASE sends the message to",
	do: func(p *argParser, arg, v string) error {
		a, err := parseAddress(v)
		if err != nil {
			return err
		}
		p.inv.Release.To, p.toArg = a, arg
		return nil
	}}

// checkRelease refuses /RELEASE without /TO and /TO without /RELEASE.
func (p *argParser) checkRelease() error {
	switch {
	case p.inv.Command == CmdRelease && p.inv.Release.To == "":
		return &SwitchError{Arg: p.cmdArg, Err: fmt.Errorf("needs the address to send it to: add /TO:address")}
	case p.toArg != "" && p.inv.Command != CmdRelease:
		return &SwitchError{Arg: p.toArg, Err: fmt.Errorf("is only used with /RELEASE:id")}
	}
	return nil
}

// loopbackBind reports whether bind ("" for every interface) listens on a
// loopback address only.
func loopbackBind(bind string) bool {
	ip, err := netip.ParseAddr(strings.Trim(bind, "[]"))
	return err == nil && ip.IsLoopback()
}
