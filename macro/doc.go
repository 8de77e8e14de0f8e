// Package macro expands the macros of MailQ's configurable welcome banners
// ($fulldate, $time, $env.NAME^, $pop_id, $client_ip, ...) and formats the
// reply to the non-standard TIME command.
//
// Expand takes every value it needs from a Context, including the clock and
// the environment lookup, so its output depends on its arguments only. What
// it returns is safe to send as one protocol line: no CR, LF or other
// control character survives, whatever the template, the environment or the
// client's address hold.
//
// The package must not read the clock, the environment or any file itself,
// write to a connection, or add reply codes ("220 ", "+OK "); the servers
// do that. It imports no project package.
//
// Where the MailQ manual disagrees with itself, the macro table wins: $time
// is "13:32" and $O is "+01:00" (the manual's telnet banner shows seconds and
// "+0100"). The manual's sample INI writes "$server name", "$pop id" and
// "$CLIENT IP" with spaces where the table has underscores; only the
// underscore forms are macros.
package macro
