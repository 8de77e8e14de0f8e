// Package address parses RFC 5321 mailboxes and paths and maps addresses to
// names that are safe as folder names on every supported file system. It is a
// leaf package: it does no I/O and imports no project package.
//
// # What it owns
//
// ParseMailbox reads local@domain; ParsePath reads a path in angle brackets
// ("<>", "<Postmaster>", "<@route:local@domain>"); ParseMailArg and
// ParseRcptArg split the text after "MAIL FROM:" or "RCPT TO:" into the path
// and its ESMTP parameters. Everything they accept is printable ASCII within
// the limits of RFC 5321 §4.5.3.1, and String renders it back to text that
// parses to the same value. ParseMailArgUTF8 and ParseRcptArgUTF8 are their
// SMTPUTF8 forms (RFC 6531, utf8.go): UTF-8 local parts in NFC, domains as
// A-labels. Key is the lower-case form used for lookups. SafeName turns an
// address into a folder name.
//
// # What it must not do
//
// It decides syntax only. Whether a domain is local, a recipient exists, a
// relay is allowed, or a bare path without brackets is tolerated belongs to
// the smtp, accounts and mda packages. It never writes replies.
//
// # Errors
//
// Every error matches one sentinel with errors.Is. Check the more specific
// ones first; a suggested mapping for SMTP replies (RFC 3463 codes, x.1.7 for
// MAIL and x.1.3 for RCPT):
//
//	ErrNonASCII   553 5.6.7  (UTF-8 without SMTPUTF8; RFC 6531 §3.5)
//	ErrTooLong    501 5.1.7 / 5.1.3  path too long (RFC 5321 §4.5.3.1.9)
//	ErrParam      501 5.5.4  bad ESMTP parameter
//	ErrNoBrackets 501 5.1.7 / 5.1.3  (also matches ErrSyntax)
//	ErrSyntax     501 5.1.7 / 5.1.3
package address
