package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The value parsers below are shared by the INI keys and the switches. Each
// returns an error whose text says what was expected ("expected a port number
// 1..65535"); the caller adds the file, section, key or switch in front.

// expected builds the error of a rejected value.
func expected(format string, args ...any) error {
	return errors.New("expected " + fmt.Sprintf(format, args...))
}

// cutComment drops a trailing "; comment" from a value that cannot contain
// ';' itself (numbers, names, addresses). MailQ's own files write
// "EnableMouseSelect=False; comment" with no space before the ';', which the
// line reader keeps as part of the value.
func cutComment(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// parseBool accepts True/False, Yes/No, On/Off and 1/0 in any case.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, expected("True or False (also Yes/No, On/Off, 1/0)")
}

// parseUint reads a plain decimal number: digits only, no sign, no spaces.
func parseUint(v string) (uint64, bool) {
	if v == "" || len(v) > 19 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// parseInt reads a whole number in lo..hi; what names it in the error.
func parseInt(v string, lo, hi int, what string) (int, error) {
	n, ok := parseUint(v)
	if !ok || n < uint64(lo) || n > uint64(hi) {
		return 0, expected("%s %d..%d", what, lo, hi)
	}
	return int(n), nil
}

// parseCount reads a limit where 0 means "off" or "no limit".
func parseCount(v, what string) (int, error) {
	return parseInt(v, 0, maxCount, what)
}

// maxCount bounds every counter so arithmetic on it cannot overflow.
const maxCount = 1_000_000_000

func parsePort(v string) (int, error) {
	return parseInt(v, 1, 65535, "a port number")
}

// parseListenPort reads a port to listen on. 0 asks the system for any free
// port (the console says which): useful for tests and throwaway servers.
func parseListenPort(v string) (int, error) {
	return parseInt(v, 0, 65535, "a port number")
}

// Thread and worker counts: the manual's limit is 64; up to maxThreads is
// accepted with a warning, since a modern machine copes.
const maxThreads = 1024

// Size units are binary: the manual's 20Mb default is 20<<20 bytes.
var sizeUnits = []struct {
	names []string
	mult  int64
}{
	{[]string{"b", "byte", "bytes"}, 1},
	{[]string{"k", "kb", "kib"}, 1 << 10},
	{[]string{"m", "mb", "mib"}, 1 << 20},
	{[]string{"g", "gb", "gib"}, 1 << 30},
}

// maxSizeLimit is the largest message size limit accepted (1 TiB): far above
// any real use, and small enough that no size arithmetic overflows.
const maxSizeLimit = 1 << 40

// parseSize reads a positive size: a whole number with an optional unit
// (B, KB, MB, GB; K, M, G; any case), in defUnit bytes when there is none.
func parseSize(v string, defUnit int64) (int64, error) {
	bad := expected("a size such as 20MB, 512KB or %d (in %s), at most 1024GB", 20, unitName(defUnit))
	num, unit := splitNumber(v)
	n, ok := parseUint(num)
	if !ok || n == 0 {
		return 0, bad
	}
	mult := defUnit
	if unit != "" {
		mult = 0
		for _, u := range sizeUnits {
			for _, name := range u.names {
				if strings.EqualFold(unit, name) {
					mult = u.mult
				}
			}
		}
		if mult == 0 {
			return 0, bad
		}
	}
	if n > maxSizeLimit/uint64(mult) {
		return 0, bad
	}
	return int64(n) * mult, nil
}

func unitName(mult int64) string {
	switch mult {
	case 1 << 20:
		return "MB"
	case 1 << 10:
		return "KB"
	}
	return "bytes"
}

// formatSize writes n with the largest unit that divides it exactly, so that
// parseSize(formatSize(n), any) == n.
func formatSize(n int64) string {
	for i := len(sizeUnits) - 1; i > 0; i-- {
		if m := sizeUnits[i].mult; n%m == 0 && n >= m {
			return strconv.FormatInt(n/m, 10) + strings.ToUpper(sizeUnits[i].names[1])
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// splitNumber splits "20MB" or "20 MB" into "20" and "MB".
func splitNumber(v string) (num, unit string) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	return v[:i], strings.TrimSpace(v[i:])
}

var durationUnits = []struct {
	names []string
	d     time.Duration
}{
	{[]string{"ms", "msec", "millisecond", "milliseconds"}, time.Millisecond},
	{[]string{"s", "sec", "secs", "second", "seconds"}, time.Second},
	{[]string{"m", "min", "mins", "minute", "minutes"}, time.Minute},
	{[]string{"h", "hr", "hrs", "hour", "hours"}, time.Hour},
	{[]string{"d", "day", "days"}, 24 * time.Hour},
}

// durationRule says how one setting reads a duration: the unit of a bare
// number and the accepted range.
type durationRule struct {
	unit     time.Duration
	min, max time.Duration
}

// parseDuration reads a whole number with an optional unit (ms, s, m, h, d,
// or the words), in r.unit when there is none, and checks r's range.
func parseDuration(v string, r durationRule) (time.Duration, error) {
	bad := expected("a whole number of %s (or with a unit: s, m, h, d) from %s to %s",
		unitWord(r.unit), humanDuration(r.min), humanDuration(r.max))
	num, unit := splitNumber(v)
	n, ok := parseUint(num)
	if !ok {
		return 0, bad
	}
	d := r.unit
	if unit != "" {
		d = 0
		for _, u := range durationUnits {
			for _, name := range u.names {
				if strings.EqualFold(unit, name) {
					d = u.d
				}
			}
		}
		if d == 0 {
			return 0, bad
		}
	}
	if n > uint64(math.MaxInt64/int64(d)) {
		return 0, bad
	}
	total := time.Duration(n) * d
	if total < r.min || total > r.max {
		return 0, bad
	}
	return total, nil
}

func unitWord(d time.Duration) string {
	for _, u := range durationUnits {
		if u.d == d {
			return u.names[len(u.names)-1]
		}
	}
	return d.String()
}

// formatDuration writes d with the largest unit that divides it exactly
// ("24h", "90s"), so that parseDuration reads it back.
func formatDuration(d time.Duration) string {
	for i := len(durationUnits) - 1; i >= 0; i-- {
		u := durationUnits[i]
		if d%u.d == 0 && d >= u.d {
			return strconv.FormatInt(int64(d/u.d), 10) + u.names[0]
		}
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
}

// humanDuration writes d for people: "24 hours", "90 seconds", "1 minute".
func humanDuration(d time.Duration) string {
	for i := len(durationUnits) - 1; i >= 0; i-- {
		u := durationUnits[i]
		if d%u.d == 0 && d >= u.d {
			n := int64(d / u.d)
			word := u.names[len(u.names)-1]
			if n == 1 {
				word = strings.TrimSuffix(word, "s")
			}
			return fmt.Sprintf("%d %s", n, word)
		}
	}
	return d.String()
}

// Duration rules of the settings.
var (
	ruleTimeout = durationRule{unit: time.Second, min: time.Second, max: 24 * time.Hour}
	ruleNice    = durationRule{unit: time.Millisecond, min: time.Millisecond, max: time.Minute}
	ruleRetry   = durationRule{unit: time.Second, min: time.Second, max: 7 * 24 * time.Hour}
	// ruleExpiryINI is [MXA] MessageExpiry and [Config] SMTPMessageExpiry:
	// minutes, as the manual's quick-start file says.
	ruleExpiryINI = durationRule{unit: time.Minute, min: time.Minute, max: 365 * 24 * time.Hour}
	// ruleExpirySwitch is /EXPIRY: hours, as the manual's switch table says.
	ruleExpirySwitch = durationRule{unit: time.Hour, min: time.Minute, max: 365 * 24 * time.Hour}
	rulePOPBefore    = durationRule{unit: time.Minute, min: 0, max: 24 * time.Hour}
	// ruleFirstCommand reads FirstCommandTimeout (issue 22): how long a
	// client may take, from its connection, to send its first complete
	// command line. 0 turns it off: the first command then has Timeout
	// like any other.
	ruleFirstCommand = durationRule{unit: time.Second, min: 0, max: 24 * time.Hour}
	// ruleAutoBanExpire reads AutoBanMinutes: 0 keeps automatic bans for
	// ever (the original's behaviour); otherwise they end after this long.
	ruleAutoBanExpire = durationRule{unit: time.Minute, min: 0, max: 366 * 24 * time.Hour}
	// ruleLockout reads LockoutMinutes: a block must end, and must last long
	// enough to slow guessing down.
	ruleLockout   = durationRule{unit: time.Minute, min: time.Minute, max: 24 * time.Hour}
	ruleHandshake = durationRule{unit: time.Second, min: time.Second, max: 10 * time.Minute}
)

// parseIP reads an IP address literal (IPv4 or IPv6, with or without
// brackets).
func parseIP(v string) (netip.Addr, error) {
	s := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, expected("an IP address such as 127.0.0.1 or ::1")
	}
	return a.Unmap(), nil
}

// parseBind reads Bind and /BIND: "*" or "" for every interface, otherwise
// an IP address literal.
func parseBind(v string) (string, error) {
	if v == "" || v == "*" {
		return "", nil
	}
	a, err := parseIP(v)
	if err != nil {
		return "", expected("* (every interface) or an IP address such as 127.0.0.1")
	}
	return a.String(), nil
}

// parseLogLevel reads 0..4, the level names, or a boolean (the manual also
// calls LogLevel a Boolean: True means Normal).
func parseLogLevel(v string) (LogLevel, error) {
	switch strings.ToLower(v) {
	case "0", "off", "false", "no":
		return LogOff, nil
	case "1", "normal", "true", "yes", "on":
		return LogNormal, nil
	case "2", "info":
		return LogInfo, nil
	case "3", "crit", "extra":
		return LogCrit, nil
	case "4", "debug":
		return LogDebug, nil
	}
	return 0, expected("0 (off), 1 (normal), 2 (info), 3 (crit) or 4 (debug)")
}

// parseSMTPMode reads 1, 2 or 3. The manual's key table numbers the modes
// 0/1/2, its switch table and quick-start file 1/2/3; mailq uses 1/2/3, and
// the error for 0 says so.
func parseSMTPMode(v string) (SMTPMode, error) {
	switch v {
	case "1":
		return SMTPModeHELO, nil
	case "2":
		return SMTPModeEHLO, nil
	case "3":
		return SMTPModeBoth, nil
	case "0":
		return 0, expected("1 (HELO only), 2 (EHLO only) or 3 (both); mailq numbers the modes " +
			"from 1 like the /SMTPMODE switch, so the manual's key-table 0 (HELO only) is 1 here")
	}
	return 0, expected("1 (HELO only), 2 (EHLO only) or 3 (both)")
}

func parseRelay(v string) (Relay, error) {
	n, ok := parseUint(v)
	if !ok || n > uint64(relayLevelMax) {
		return 0, expected("0 (relay off), 1 (one-way), 2 (two-way) or 3 (open relay)")
	}
	return Relay(n), nil
}

func parseMX(v string) (MXMode, error) {
	switch strings.ToLower(v) {
	case "", "none":
		return MXNone, nil
	case "gateway":
		return MXGateway, nil
	case "local":
		return MXLocal, nil
	case "remote", "dns":
		return MXRemote, nil
	}
	return 0, expected("Gateway, Local or Remote")
}

func parseHELOCheck(v string) (string, error) {
	switch s := strings.ToLower(v); s {
	case "off", "tag", "refuse":
		return s, nil
	}
	return "", expected("off, tag or refuse")
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

// maxRecipientsK reads SMTPMaxRecipients. RFC 5321 §4.5.3.1.8 requires
// room for at least 100 recipients; fewer is allowed with a warning.
var maxRecipientsK = kind[int]{
	parse:  func(v string) (int, error) { return parseInt(v, 1, maxCount, "a number of recipients") },
	format: strconv.Itoa,
	warn: func(n int) string {
		if n < DefaultMaxRecipients {
			return "fewer than 100 recipients breaks RFC 5321 §4.5.3.1.8; some senders will split their mail"
		}
		return ""
	},
}
