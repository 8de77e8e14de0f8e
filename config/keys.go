package config

import (
	"strings"
	"time"
)

// keySpec is one key of [Config], [MDA] or [MXA]. set parses the value and,
// only when it is valid, stores it: a refused value changes nothing.
type keySpec struct {
	section string // as the manual spells it: "Config"
	name    string // as the manual spells it: "SMTPPort"
	// text marks free text (welcome lines, paths, passwords), where ';' is
	// data unless a blank precedes it. In every other value ';' starts a
	// comment, as in MailQ's own "SMTPThreads=4; Number of threads".
	text bool
	set  func(ld *loader, v string) error
}

func boolKey(sec, name string, f func(*Config) *bool) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		b, err := parseBool(v)
		if err == nil {
			*f(ld.c) = b
		}
		return err
	}}
}

func countKey(sec, name, what string, f func(*Config) *int) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		n, err := parseCount(v, what)
		if err == nil {
			*f(ld.c) = n
		}
		return err
	}}
}

func portKey(sec, name string, f func(*Config) *int) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		n, err := parseListenPort(v)
		if err == nil {
			*f(ld.c) = n
		}
		return err
	}}
}

func threadKey(sec, name string, f func(*Config) *int) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		n, warn, err := parseThreads(v)
		if err == nil {
			*f(ld.c) = n
			if warn != "" {
				ld.warnKey(sec, name, warn)
			}
		}
		return err
	}}
}

func durationKey(sec, name string, r durationRule, f func(*Config) *time.Duration) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		d, err := parseDuration(v, r)
		if err == nil {
			*f(ld.c) = d
		}
		return err
	}}
}

func textKey(sec, name string, f func(*Config) *string) keySpec {
	return keySpec{section: sec, name: name, text: true, set: func(ld *loader, v string) error {
		*f(ld.c) = v
		return nil
	}}
}

// parsedKey stores the result of parse, for values of a type of their own.
func parsedKey[T any](sec, name string, parse func(string) (T, error), f func(*Config) *T) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		x, err := parse(v)
		if err == nil {
			*f(ld.c) = x
		}
		return err
	}}
}

func pathKey(s pathSetting) keySpec {
	return keySpec{section: s.section, name: s.key, text: true, set: func(ld *loader, v string) error {
		p, err := resolvePath(ld.base, v)
		if err == nil {
			*s.field(&ld.paths) = p
		}
		return err
	}}
}

// keySpecs lists every key of [Config], [MDA] and [MXA], in the order of
// mailq.ini.example.
var keySpecs = buildKeySpecs()

func buildKeySpecs() []keySpec {
	keys := []keySpec{
		parsedKey("Config", "Bind", parseBind, func(c *Config) *string { return &c.Server.Bind }),
		parsedKey("Config", "HostName", parseHostName, func(c *Config) *string { return &c.Server.HostName }),
		parsedKey("Config", "HostDomain", parseDomain, func(c *Config) *string { return &c.Server.HostDomain }),
		parsedKey("Config", "LogLevel", parseLogLevel, func(c *Config) *LogLevel { return &c.Log.Level }),
		durationKey("Config", "Timeout", ruleTimeout, func(c *Config) *time.Duration { return &c.Server.Timeout }),
		firstCommandKey(),
		durationKey("Config", "Nice", ruleNice, func(c *Config) *time.Duration { return &c.Server.Nice }),
		boolKey("Config", "IPBlockEnabled", func(c *Config) *bool { return &c.Abuse.IPBlockEnabled }),
		boolKey("Config", "CacheIPBlockFile", func(c *Config) *bool { return &c.Abuse.CacheIPBlockFile }),
		boolKey("Config", "FixHeaders", func(c *Config) *bool { return &c.Server.FixHeaders }),
		boolKey("Config", "HTTPGet", func(c *Config) *bool { return &c.Server.HTTPGet }),
		boolKey("Config", "EnableMouseSelect", func(c *Config) *bool { return &c.Server.EnableMouseSelect }),
		boolKey("Config", "NoBackSpace", func(c *Config) *bool { return &c.Server.NoBackSpace }),
		boolKey("Config", "Motd", func(c *Config) *bool { return &c.Server.Motd }),
		boolKey("Config", "DNSBLEnabled", func(c *Config) *bool { return &c.Abuse.DNSBLEnabled }),
		countKey("Config", "AutoBan", "a number of failed logins (0 = off)", func(c *Config) *int { return &c.Abuse.AutoBan }),
		parsedKey("Config", "DNSServer", parseDNSServer, func(c *Config) *string { return &c.Server.DNSServer }),
		parsedKey("Config", "MinFreeDiskMB", parseMB, func(c *Config) *int64 { return &c.Server.MinFreeDiskMB }),

		portKey("Config", "SMTPPort", func(c *Config) *int { return &c.SMTP.Port }),
		threadKey("Config", "SMTPThreads", func(c *Config) *int { return &c.SMTP.Threads }),
		parsedKey("Config", "SMTPMode", parseSMTPMode, func(c *Config) *SMTPMode { return &c.SMTP.Mode }),
		relayKey("SMTPRelay"),
		relayKey("SMTPRelayLevel"),
		boolKey("Config", "SMTPAuthRequired", func(c *Config) *bool { return &c.SMTP.AuthRequired }),
		expiryKey("Config", "SMTPMessageExpiry"),
		parsedKey("Config", "SMTPMaxMessageSize", parseSizeMB, func(c *Config) *int64 { return &c.SMTP.MaxMessageSize }),
		boolKey("Config", "SMTPEnableFailureBounce", func(c *Config) *bool { return &c.MXA.FailureBounce }),
		boolKey("Config", "SMTPDeleteOnSend", func(c *Config) *bool { return &c.MXA.DeleteOnSend }),
		boolKey("Config", "SMTPDetectMessageLoops", func(c *Config) *bool { return &c.SMTP.DetectLoops }),
		parsedKey("Config", "SMTPMaxHops", parseHops, func(c *Config) *int { return &c.SMTP.MaxHops }),
		boolKey("Config", "SMTPVRFYEnabled", func(c *Config) *bool { return &c.SMTP.VRFY }),
		textKey("Config", "SMTPWelcome", func(c *Config) *string { return &c.SMTP.Welcome }),
		maxRecipientsKey(),
		countKey("Config", "SMTPMaxQueued", "a number of messages (0 = no cap)", func(c *Config) *int { return &c.SMTP.MaxQueued }),

		portKey("Config", "POPPort", func(c *Config) *int { return &c.POP.Port }),
		threadKey("Config", "POPThreads", func(c *Config) *int { return &c.POP.Threads }),
		boolKey("Config", "POPRenameOnDelete", func(c *Config) *bool { return &c.POP.RenameOnDelete }),
		textKey("Config", "POPWelcome", func(c *Config) *string { return &c.POP.Welcome }),
		countKey("Config", "POPLockout", "a number of failed logins (0 = never lock)", func(c *Config) *int { return &c.POP.Lockout }),
		boolKey("Config", "POPRPOPEnabled", func(c *Config) *bool { return &c.POP.RPOP }),
		durationKey("Config", "POPBeforeSMTPMinutes", rulePOPBefore, func(c *Config) *time.Duration { return &c.Abuse.POPBeforeSMTP }),

		countKey("Config", "MaxConnectionsPerIP", "a number of connections (0 = no limit)", func(c *Config) *int { return &c.Abuse.MaxConnectionsPerIP }),
		countKey("Config", "MaxMessagesPerIPHour", "a number of messages (0 = no limit)", func(c *Config) *int { return &c.Abuse.MaxMessagesPerIPHour }),
		countKey("Config", "MaxFailedCommands", "a number of commands (0 = no limit)", func(c *Config) *int { return &c.Abuse.MaxFailedCommands }),
		countKey("Config", "MaxUnknownRecipients", "a number of recipients (0 = off)", func(c *Config) *int { return &c.Abuse.MaxUnknownRecipients }),
		parsedKey("Config", "HELOCheck", parseHELOCheck, func(c *Config) *string { return &c.Abuse.HELOCheck }),
		boolKey("Config", "LimitLocal", func(c *Config) *bool { return &c.Abuse.LimitLocal }),

		boolKey("MDA", "Enabled", func(c *Config) *bool { return &c.MDA.Enabled }),
		boolKey("MDA", "RefileUnknownUsers", func(c *Config) *bool { return &c.MDA.RefileUnknownUsers }),

		boolKey("MXA", "Enabled", func(c *Config) *bool { return &c.MXA.Enabled }),
		parsedKey("MXA", "MX", parseMX, func(c *Config) *MXMode { return &c.MXA.MX }),
		parsedKey("MXA", "Gateway", parseGateway, func(c *Config) *string { return &c.MXA.Gateway }),
		textKey("MXA", "GatewayUser", func(c *Config) *string { return &c.MXA.GatewayUser }),
		textKey("MXA", "GatewayPassword", func(c *Config) *string { return &c.MXA.GatewayPassword }),
		durationKey("MXA", "SendRetrySeconds", ruleRetry, func(c *Config) *time.Duration { return &c.MXA.RetryInterval }),
		expiryKey("MXA", "MessageExpiry"),
		threadKey("MXA", "Workers", func(c *Config) *int { return &c.MXA.Workers }),
		boolKey("MXA", "RequireTLS", func(c *Config) *bool { return &c.MXA.RequireTLS }),
		boolKey("MXA", "VerifyTLS", func(c *Config) *bool { return &c.MXA.VerifyTLS }),
	}
	keys = append(keys, tlsKeySpecs()...)
	keys = append(keys, mxaDestKeys()...)
	keys = append(keys, webKeys()...)
	keys = append(keys, captureKeys()...)
	keys = append(keys, autoBanKeys()...)
	keys = append(keys, groupKeys...)
	for _, s := range pathSettings {
		keys = append(keys, pathKey(s))
	}
	keys = append(keys, unknownKeys...)
	keys = append(keys, loginKeys()...)
	return keys
}

// relayKey reads SMTPRelay and its other spelling SMTPRelayLevel (the manual
// uses both). Both may be present only with the same value.
func relayKey(name string) keySpec {
	return keySpec{section: "Config", name: name, set: func(ld *loader, v string) error {
		r, err := parseRelay(v)
		if err != nil {
			return err
		}
		if ld.relayKey != "" && ld.c.SMTP.Relay != r {
			return expected("the same level as %s=%d, or only one of the two keys", ld.relayKey, ld.c.SMTP.Relay)
		}
		ld.relayKey, ld.c.SMTP.Relay = name, r
		return nil
	}}
}

// expiryKey reads [MXA] MessageExpiry and [Config] SMTPMessageExpiry, both
// in minutes. The loader settles which one counts once the file is read.
func expiryKey(sec, name string) keySpec {
	return keySpec{section: sec, name: name, set: func(ld *loader, v string) error {
		d, err := parseDuration(v, ruleExpiryINI)
		if err != nil {
			return err
		}
		if sec == "MXA" {
			ld.expiryMXA.put(d)
		} else {
			ld.expiryConfig.put(d)
		}
		return nil
	}}
}

// maxRecipientsKey reads SMTPMaxRecipients. RFC 5321 §4.5.3.1.8 requires
// room for at least 100 recipients; fewer is allowed with a warning.
func maxRecipientsKey() keySpec {
	return keySpec{section: "Config", name: "SMTPMaxRecipients", set: func(ld *loader, v string) error {
		n, err := parseInt(v, 1, maxCount, "a number of recipients")
		if err != nil {
			return err
		}
		ld.c.SMTP.MaxRecipients = n
		if n < DefaultMaxRecipients {
			ld.warnKey("Config", "SMTPMaxRecipients", "fewer than 100 recipients breaks RFC 5321 §4.5.3.1.8; some senders will split their mail")
		}
		return nil
	}}
}

// parseSizeMB reads SMTPMaxMessageSize: megabytes, as in the manual's
// examples (SMTPMaxMessageSize=20), or a number with a unit.
func parseSizeMB(v string) (int64, error) { return parseSize(v, 1<<20) }

func parseMB(v string) (int64, error) {
	n, err := parseInt(v, 0, 1<<30, "a number of megabytes")
	return int64(n), err
}

func parseHops(v string) (int, error) { return parseInt(v, 1, 1000, "a number of Received: lines") }

func parseGateway(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return parseHostPort(v, 25)
}

// parseDNSServer reads an IP address with an optional port (53 by default);
// a name would need DNS to find DNS.
func parseDNSServer(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	hp, err := parseHostPort(v, 53)
	if err != nil {
		return "", expected("an IP address with an optional port, such as 192.0.2.53 or [2001:db8::53]:53")
	}
	host := hp[:strings.LastIndexByte(hp, ':')]
	if _, err := parseIP(host); err != nil {
		return "", expected("an IP address with an optional port, such as 192.0.2.53 or [2001:db8::53]:53")
	}
	return hp, nil
}

// keyIndex finds a keySpec by section and key, both lower-case.
var keyIndex = func() map[string]*keySpec {
	m := map[string]*keySpec{}
	for i := range keySpecs {
		k := &keySpecs[i]
		m[spellingKey(k.section, k.name)] = k
	}
	return m
}()
