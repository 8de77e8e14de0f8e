// Package resolve is mailq's DNS client, shared by the DNSBL checker and the
// MXA's MX lookups. It sends one question at a time to the configured DNS
// servers (Server.DNSServer, or the system's: /etc/resolv.conf on Unix, the
// network adapters' DNS servers on Windows) over UDP, retrying over TCP when
// an answer is truncated, and tries each server in turn until one gives a
// definite answer.
//
// Every call takes a context: its deadline bounds the whole lookup, and each
// server gets a fair share of what is left, so a dead server cannot use up the
// time of the ones after it. Cancelling the context ends a lookup at once.
//
// Errors are *Error values whose Kind says what happened (ErrNXDomain,
// ErrNoData, ErrServerFailure, ErrRefused, ErrTimeout, ErrNetwork, ErrNoMX,
// ErrNullMX...); test them with errors.Is. Temporary reports whether asking
// again later may give another answer (RFC 5321 §4.5.4.1: a lookup that
// failed for a temporary reason must not bounce mail).
//
// The package must not cache answers (dnsbl keeps its own cache with its own
// bounds), log, or know anything about mail policy. A Resolver is immutable
// after New and safe for concurrent use.
package resolve
