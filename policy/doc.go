// Package policy owns the abuse-control state that the SMTP and POP3 servers
// share: the IP block list (ipblock.txt) and the auto-ban that appends to it,
// the trusted relay addresses ([RelayIPs]), POP-before-SMTP (a file through
// which the POP3 instance tells the SMTP instance who logged in recently),
// the per-IP limits, the failed-login counts and login blocks (Logins, a
// file both instances share), the per-session failure counters, and the
// HELO check.
//
// Each piece answers a question cheaply enough to ask it on every connection
// or command, is safe for concurrent use, and never blocks on the network.
// Files are re-read only when their modification time, size or identity
// changes, and written only atomically (temporary file, fsync, rename, folder
// fsync) under a cross-process lock on a ".lock" file beside them, so the
// two instances can write at the same time.
//
// The package must not speak a protocol, choose reply texts, print or log:
// it returns answers (and, for the block list, the problems it found) and the
// servers reply and log. It reads configuration only through the values
// main passes to its constructors.
//
// # How the servers use it
//
// At connect: BlockList.Blocked (refuse 554 / -ERR), Limiter.Blocked (an IP
// caught harvesting addresses), Limiter.Acquire (release when the session
// ends), then the DNSBL check (package dnsbl). At HELO/EHLO: CheckHELO when
// HELOCheck is not "off". At MAIL: Limiter.MessageAllowed; after the final
// dot, before the commit: Limiter.AllowMessage. At RCPT: the recipient count
// against SMTP.MaxRecipients, Trusted.Contains and Tracker.Allowed for the
// relay decision, and a Counter of unknown local recipients that, when
// reached, calls Limiter.BlockFor. Before every credentials check (SMTP AUTH,
// POP3 USER/PASS, APOP, AUTH): Logins.Check, which may refuse the attempt
// unchecked; after every failed one: Logins.Failed, whose count of the
// address's attempts across sessions, and a per-session Counter, both with
// AutoBan as their limit, lead to BlockList.Ban (an IPv6 /64) and close;
// after a success, Logins.Succeeded. /UNLOCK calls ForgetAccount. After every failed command: a Counter with
// MaxFailedCommands, then 421 and close. After a successful POP3 login:
// Tracker.Record.
package policy
