// Package pop3 is mailq's POP3 server (RFC 1939, with the RFC 2449
// extensions CAPA, RESP-CODES and PIPELINING, RFC 3206's [AUTH] and [SYS/...]
// codes, and SASL PLAIN, LOGIN and CRAM-MD5 through RFC 5034's AUTH, the
// mechanisms of smtp's AUTH, shared in package saslmech, and RFC 6856's
// UTF8, utf8.go). It serves the user mailboxes of the queue tree to mail
// clients.
//
// It owns the POP3 conversation: the AUTHORIZATION, TRANSACTION and UPDATE
// states, the reply values and their wire form, the per-session view of a
// mailbox (message numbers, sizes, deletion marks), the cross-process mailbox
// lock of a session, and the delay after a failed login. The limits on
// failed logins are abuse policy, the Guard's (LoginGuard).
//
// It must not name, read, write or delete message files except through
// queue.Mailbox, encode message text except through wire's DotWriter and
// WriteTop (so STAT, LIST, RETR and TOP agree on octet counts), read
// configuration other than the sections it is given, print anything (events
// go to a *logs.Logger), or implement abuse policy: block lists, bans and
// POP-before-SMTP come in through the Guard interface. It never imports the
// SMTP server.
//
// # Sessions
//
// A session starts in AUTHORIZATION with a greeting that carries a fresh APOP
// timestamp (RFC 1939 §7). USER/PASS, APOP and AUTH log in with the
// full address of an account; aliases are not accounts and cannot log in.
// After a successful login the mailbox lock is taken (a second session gets
// -ERR [IN-USE]), the committed messages are listed once and numbered, and
// the session is in TRANSACTION. Messages delivered later appear in the next
// session. DELE only marks; QUIT enters UPDATE, which deletes (or, with
// POPRenameOnDelete, archives) the marked messages; in test mode (/TEST,
// which writes no mail) it keeps them. A session that ends any other way
// (dropped connection, idle time-out, shut-down) deletes nothing (RFC 1939
// §6).
//
// # Limits
//
// POPThreads sessions run at once, shared between addresses (slots.go): the
// Guard is asked first, and a connection that gets no slot is refused at
// once with -ERR [SYS/TEMP]. A session idle for Timeout is closed, and so is
// one that sends no command within FirstCommandTimeout or takes longer than
// Timeout over one line (deadline.go). RFC 1939 §3 asks for
// at least ten minutes; mailq keeps the configured Timeout (120 seconds by
// default) because, with a handful of sessions, idle clients would otherwise
// lock everyone else out, which is why MailQ has the setting. Command lines
// are bounded (RFC 2449's 255 octets; AUTH lines maxLine), and a session ends when the Guard says so after a
// failed command (its MaxFailedCommands); failed
// logins have their own counts (the Guard's login limits, AutoBan) and are
// not counted there.
// Message text is streamed, never held.
//
// # Logins that fail
//
// An unknown user, a wrong password and an account in [Pop-Locked] get the
// same answer, "-ERR [AUTH] authentication failed", FailDelay after the
// attempt: the accounts package checks unknown and locked names against a
// secret like any other, so neither the answer nor its time tells which
// names exist (the log says which case it was, and names /UNLOCK for a
// locked account). If the Guard is a LoginGuard, it is asked before every
// check and told about every failure; its counts are shared with the SMTP
// instance, so guesses over SMTP AUTH count too. A login it refuses is
// answered with its reply, "-ERR [AUTH] account locked after too many
// failed logins; try again later" or a block of the client's address,
// without the password being checked, so a blocked name is no oracle for
// guessing; it refuses names that are no account alike. A password the
// server cannot check (mailq.key missing, a hash from the original MailQ)
// is refused the same way but not counted: that failure is the server's,
// and fixing it must not leave the account locked.
package pop3
