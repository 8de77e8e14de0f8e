package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestValueErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, want string
	}{
		{"port", "[Config]\nSMTPPort=\"70000\"", `mailq.ini: [Config] SMTPPort="70000": expected a port number 0..65535`},
		{"port comment", "[Config]\nPOPPort=x ; comment", `mailq.ini: [Config] POPPort="x": expected a port number 0..65535`},
		{"key spelled in lower case", "[config]\nsmtpport=-1", `mailq.ini: [Config] SMTPPort="-1": expected a port number 0..65535`},
		{"bool", "[Config]\nFixHeaders=maybe", `mailq.ini: [Config] FixHeaders="maybe": expected True or False (also Yes/No, On/Off, 1/0)`},
		{"smtpmode zero", "[Config]\nSMTPMode=0", `mailq.ini: [Config] SMTPMode="0": expected 1 (HELO only), 2 (EHLO only) or 3 (both); mailq numbers the modes from 1 like the /SMTPMODE switch, so the manual's key-table 0 (HELO only) is 1 here`},
		{"threads", "[Config]\nSMTPThreads=2000", `mailq.ini: [Config] SMTPThreads="2000": expected a thread count 1..1024`},
		{"timeout", "[Config]\nTimeout=0", `mailq.ini: [Config] Timeout="0": expected a whole number of seconds (or with a unit: s, m, h, d) from 1 second to 1 day`},
		{"relay spellings disagree", "[Config]\nSMTPRelay=2\nSMTPRelayLevel=3", `mailq.ini: [Config] SMTPRelayLevel="3": expected the same level as SMTPRelay=2, or only one of the two keys`},
		{"bind", "[Config]\nBind=localhost", `mailq.ini: [Config] Bind="localhost": expected * (every interface) or an IP address such as 127.0.0.1`},
		{"domain", "[Domains]\nDomain1=bad_domain.com", `mailq.ini: [Domains] Domain1="bad_domain.com": expected a domain name such as example.com, or an IP address`},
		{"mx", "[MXA]\nMX=Smart", `mailq.ini: [MXA] MX="Smart": expected Gateway, Local or Remote`},
		{"helo check", "[Config]\nHELOCheck=warn", `mailq.ini: [Config] HELOCheck="warn": expected off, tag or refuse`},
		{"dns server name", "[Config]\nDNSServer=dns.example.com", `mailq.ini: [Config] DNSServer="dns.example.com": expected an IP address with an optional port, such as 192.0.2.53 or [2001:db8::53]:53`},
		{"size", "[Config]\nSMTPMaxMessageSize=0", `mailq.ini: [Config] SMTPMaxMessageSize="0": expected a size such as 20MB, 512KB or 20 (in MB), at most 1024GB`},
		{"expiry", "[MXA]\nMessageExpiry=soon", `mailq.ini: [MXA] MessageExpiry="soon": expected a whole number of minutes (or with a unit: s, m, h, d) from 1 minute to 365 days`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, tc.text)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Load error\n got: %v\nwant: %s", err, tc.want)
			}
			var ve *ValueError
			if !errors.As(err, &ve) {
				t.Errorf("error %T is not a *ValueError", err)
			}
		})
	}
}

func TestDriveLetterPath(t *testing.T) {
	t.Parallel()
	if filepath.Separator == '\\' {
		t.Skip("drive letters are valid on Windows")
	}
	_, err := loadText(t, "[Config]\nQueuePath=\"C:\\mailq\\queue\"")
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Key != "QueuePath" || !strings.Contains(err.Error(), "drive letter") {
		t.Errorf("Load error = %v; want a ValueError for QueuePath about the drive letter", err)
	}
	_, err = loadText(t, "[MXA]\nSentPath=\\\\server\\share")
	if !errors.As(err, &ve) || ve.Key != "SentPath" {
		t.Errorf("Load error = %v; want a ValueError for SentPath", err)
	}
}

func TestKeyWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key with space", "[Config]\nHost Name=BART", `mailq.ini: [Config] "Host Name" is not a known key; it is ignored; did you mean HostName?`},
		{"typo", "[Config]\nSMTPThreds=4", `mailq.ini: [Config] "SMTPThreds" is not a known key; it is ignored; did you mean SMTPThreads?`},
		{"wrong section", "[Config]\nUserPath=u", `mailq.ini: [Config] "UserPath" is not a known key; it is ignored; UserPath belongs in [MDA]`},
		{"agent switch in config", "[Config]\nMDA=True", `mailq.ini: [Config] "MDA" is not a known key; it is ignored; to run the agent, set [MDA] Enabled=True`},
		{"unknown far key", "[Config]\nFrobnicate=1", `mailq.ini: [Config] "Frobnicate" is not a known key; it is ignored`},
		{"unknown section", "[Domain]\nDomain1=x.com", `mailq.ini: unknown section [Domain]; its keys are ignored; did you mean [Domains]?`},
		{"list key", "[LocalMX]\nRoute1=a.com,b", `mailq.ini: [LocalMX] "Route1" is not a known key (expected Item1, Item2, ...); it is ignored`},
		{"key before section", "SMTPPort=1\n[Config]", `mailq.ini: line 1: SMTPPort comes before any [section] and is ignored`},
		{"threads over advised", "[Config]\nPOPThreads=100", `mailq.ini: [Config] POPThreads: 100 threads is more than the advised 64`},
		{"few recipients", "[Config]\nSMTPMaxRecipients=10", `mailq.ini: [Config] SMTPMaxRecipients: fewer than 100 recipients breaks RFC 5321 §4.5.3.1.8; some senders will split their mail`},
		{"both expiry keys", "[Config]\nSMTPMessageExpiry=480\n[MXA]\nMessageExpiry=3", `mailq.ini: [MXA] MessageExpiry=3m and [Config] SMTPMessageExpiry=8h are both set; [MXA] MessageExpiry counts`},
		{"no host name", "[Config]\nBind=*", `mailq.ini: [Config] HostName is not set; using testhost (set it to the name this server's address resolves to)`},
		{"open relay", "[Config]\nSMTPRelay=3", `mailq.ini: [Config] SMTPRelay=3 makes an open relay: anyone can send mail anywhere through this server`},
		{"dnsbl without zones", "[Config]\nDNSBLEnabled=True", `mailq.ini: [Config] DNSBLEnabled=True but [DNSBL] lists no zones; nothing is looked up`},
		{"mxa without mx", "[MXA]\nEnabled=True", `mailq.ini: [MXA] the MXA is enabled but MX is not set (Gateway, Local or Remote); external mail waits in the queue`},
		{"local without table", "[MXA]\nEnabled=True\nMX=Local", `mailq.ini: [MXA] MX=Local but [LocalMX] has no entries; external mail cannot be routed`},
		{"unknown scripts key", "[Scripts]\nEnabeld=True", `mailq.ini: [Scripts] "Enabeld" is not a known key; it is ignored; did you mean Enabled?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tc.text)
			for _, w := range c.Warnings {
				if w == tc.want {
					return
				}
			}
			t.Errorf("no warning\n  %s\namong\n  %s", tc.want, strings.Join(c.Warnings, "\n  "))
		})
	}
}

func TestSettingsInteract(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		args       []string
		check      func(c *Config) bool
	}{
		{"relay both spellings agree", "[Config]\nSMTPRelay=2\nSMTPRelayLevel=2", nil, func(c *Config) bool { return c.SMTP.Relay == RelayTwoWay }},
		{"relay level alone", "[Config]\nSMTPRelayLevel=0", nil, func(c *Config) bool { return c.SMTP.Relay == RelayOff }},
		{"config expiry minutes", "[Config]\nSMTPMessageExpiry=480", nil, func(c *Config) bool { return c.MXA.Expiry == 8*time.Hour }},
		{"mxa expiry wins", "[Config]\nSMTPMessageExpiry=480\n[MXA]\nMessageExpiry=3", nil, func(c *Config) bool { return c.MXA.Expiry == 3*time.Minute }},
		{"switch expiry wins over both", "[Config]\nSMTPMessageExpiry=480\n[MXA]\nMessageExpiry=3", []string{"/EXPIRY:2"}, func(c *Config) bool { return c.MXA.Expiry == 2*time.Hour }},
		{"switch beats ini", "[Config]\nSMTPPort=2525\nSMTPRelay=2", []string{"/PORT:2600"}, func(c *Config) bool { return c.SMTP.Port == 2600 && c.SMTP.Relay == RelayTwoWay }},
		{"ini beats default", "[Config]\nTimeout=240", nil, func(c *Config) bool { return c.Server.Timeout == 240*time.Second }},
		{"pop mode stops agents", "[MDA]\nEnabled=True\n[MXA]\nEnabled=True\nMX=Remote", []string{"/POP"}, func(c *Config) bool {
			return c.Mode == ModePOP && !c.MDA.Enabled && !c.MXA.Enabled
		}},
		{"ini gateway keeps mx", "[MXA]\nMX=Local\nGateway=HOMER", nil, func(c *Config) bool { return c.MXA.MX == MXLocal && c.MXA.Gateway == "HOMER:25" }},
		{"gateway switch", "[MXA]\nEnabled=True\nMX=Remote", []string{"/GATEWAY:relay.example.net:2525"}, func(c *Config) bool {
			return c.MXA.MX == MXGateway && c.MXA.Gateway == "relay.example.net:2525"
		}},
		{"host name kept", "[Config]\nHostName=Mail.Example.com", nil, func(c *Config) bool { return c.Server.HostName == "Mail.Example.com" && !hasWarning(c, "HostName") }},
		{"scripts noscript", "[Scripts]\nEnabled=True\n*=s.sh", []string{"/NOSCRIPT"}, func(c *Config) bool { return !c.Scripts.Enabled && c.Scripts.System != "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tc.text, tc.args...)
			if !tc.check(c) {
				t.Errorf("unexpected configuration:\n%s", render(c, c.BaseDir))
			}
		})
	}
}

func TestGatewayModeNeedsGateway(t *testing.T) {
	t.Parallel()
	_, err := loadText(t, "[MXA]\nEnabled=True\nMX=Gateway")
	if err == nil || !strings.Contains(err.Error(), "needs a gateway host") {
		t.Errorf("Load error = %v; want one about the missing gateway", err)
	}
	// Without the MXA, the setting is harmless.
	if _, err := loadText(t, "[MXA]\nEnabled=False\nMX=Gateway"); err != nil {
		t.Errorf("Load: %v", err)
	}
}

// sampleKeyValues has a valid value, other than the default, for every key.
var sampleKeyValues = map[string]string{
	"Bind": "10.0.0.1", "HostName": "mail.example.com", "HostDomain": "example.com", "LogLevel": "2",
	"Timeout": "240", "Nice": "250", "IPBlockEnabled": "False", "CacheIPBlockFile": "False",
	"FixHeaders": "False", "HTTPGet": "False", "EnableMouseSelect": "True", "NoBackSpace": "True",
	"Motd": "True", "DNSBLEnabled": "True", "AutoBan": "7", "DNSServer": "192.0.2.53", "MinFreeDiskMB": "5",
	"SMTPPort": "2525", "SMTPThreads": "9", "SMTPMode": "2", "SMTPRelay": "0", "SMTPRelayLevel": "0",
	"SMTPAuthRequired": "True", "SMTPMessageExpiry": "60", "SMTPMaxMessageSize": "5", "SMTPEnableFailureBounce": "True",
	"SMTPDeleteOnSend": "True", "SMTPDetectMessageLoops": "False", "SMTPMaxHops": "30", "SMTPVRFYEnabled": "True",
	"SMTPWelcome": "hi", "SMTPMaxRecipients": "500", "SMTPMaxQueued": "10", "POPPort": "1100", "POPThreads": "3",
	"POPRenameOnDelete": "True", "POPWelcome": "hello", "POPLockout": "0", "POPRPOPEnabled": "True",
	"POPBeforeSMTPMinutes": "15", "MaxConnectionsPerIP": "3", "MaxMessagesPerIPHour": "100",
	"MaxFailedCommands": "5", "MaxUnknownRecipients": "10", "HELOCheck": "refuse", "LimitLocal": "True",
	"Enabled": "True", "RefileUnknownUsers": "False", "MX": "Remote", "Gateway": "gw.example.com",
	"GatewayUser": "u", "GatewayPassword": "p", "SendRetrySeconds": "60", "MessageExpiry": "60", "Workers": "2",
	"RequireTLS": "True", "VerifyTLS": "True", "DelayWarningHours": "8",
	"MaxUnknownFolders": "50",
	"SinkPort":          "2600", "SinkKeep": "True", // sink.go
	"MaxFailedLoginsPerIP": "7", "MaxFailedLoginsPerAccount": "50", "LockoutMinutes": "60", "AutoBanMinutes": "90", "GroupsLocalSendersOnly": "True", "DirectFiling": "False",
	"Capture": "True", "CaptureAuth": "True", "CapturePlusFold": "True", "CaptureMailbox": "all@capture.test",
	"CaptureMaxMessages": "5,50", "CaptureMaxMB": "1,2", "ReleaseDomains": "example.com", "Durable": "False",
}

// TestEveryKeyChangesSomething sets each key to a value other than its
// default and checks that the configuration changes.
func TestEveryKeyChangesSomething(t *testing.T) {
	t.Parallel()
	for _, k := range iniKeys() {
		t.Run(k.sec+"."+k.name, func(t *testing.T) {
			t.Parallel()
			v, ok := sampleKeyValues[k.name]
			if !ok {
				v = "elsewhere" // a path
			}
			ld := newLoader(ModeSMTP, absBase)
			before := render(ld.c, "")
			if err := ld.readKey(k.sec, k.name, v); err != nil {
				t.Fatalf("%s=%s: %v", k.name, v, err)
			}
			if after := render(ld.c, ""); after == before {
				t.Errorf("%s=%s changed nothing", k.name, v)
			}
		})
	}
}

// FuzzINIValue sets any value on any key and checks that a refused value
// leaves everything as it was and an accepted one keeps every limit; it
// also checks that sizes and durations read back from their formatted form,
// and that quoting a value preserves it.
func FuzzINIValue(f *testing.F) {
	keys := iniKeys()
	for i, k := range keys {
		f.Add(uint16(i), sampleKeyValues[k.name])
	}
	f.Add(uint16(0), "20MB")
	f.Add(uint16(3), "3d")
	f.Add(uint16(7), `.\queue\`)
	f.Fuzz(func(t *testing.T, i uint16, v string) {
		k := keys[int(i)%len(keys)]
		base := absBase
		ld := newLoader(ModeSMTP, base)
		before := render(ld.c, "")
		err := ld.readKey(k.sec, k.name, v)
		if err != nil {
			if after := render(ld.c, ""); after != before || len(ld.warnings) > 0 {
				t.Fatalf("%s=%q refused (%v) but changed the configuration:\n%s", k.name, v, err, diff(before, after))
			}
		} else {
			// The key took the value; finish may still refuse it next to
			// the others (a path naming another path's folder).
			ld.c.BaseDir = base
			if ld.finish(Env{Hostname: func() (string, error) { return "h", nil }}) == nil {
				if err := validConfig(ld.c); err != nil {
					t.Fatalf("%s=%q accepted but: %v", k.name, v, err)
				}
			}
		}
		if n, err := parseSize(v, 1<<20); err == nil {
			if n <= 0 || n > maxSizeLimit {
				t.Fatalf("parseSize(%q) = %d", v, n)
			}
			if m, err := parseSize(formatSize(n), 1); err != nil || m != n {
				t.Fatalf("size %d formats as %q, which reads back as %d, %v", n, formatSize(n), m, err)
			}
		}
		if d, err := parseDuration(v, ruleExpiryINI); err == nil {
			if m, err := parseDuration(formatDuration(d), ruleExpiryINI); err != nil || m != d {
				t.Fatalf("duration %v formats as %q, which reads back as %v, %v", d, formatDuration(d), m, err)
			}
		}
		if !strings.ContainsAny(v, "\"\r\n") {
			if got, err := readBack(`"` + v + `"`); err != nil || got != v {
				t.Fatalf("quoted %q reads back as %q, %v", v, got, err)
			}
		}
		if plainValue(v) {
			if got, err := readBack(v); err != nil || got != v {
				t.Fatalf("unquoted %q reads back as %q, %v", v, got, err)
			}
		}
	})
}
