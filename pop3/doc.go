// Package pop3 is mailq's POP3 server (RFC 1939, with the RFC 2449
// extensions CAPA, RESP-CODES and PIPELINING, RFC 3206's [AUTH] and [SYS/...]
// codes, and SASL PLAIN through RFC 5034's AUTH). It serves the user
// mailboxes of the queue tree to mail clients.
//
// It owns the POP3 conversation: the AUTHORIZATION, TRANSACTION and UPDATE
// states, the reply values and their wire form, the per-session view of a
// mailbox (message numbers, sizes, deletion marks), the cross-process mailbox
// lock of a session, and the account lockout after repeated failed logins.
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
// timestamp (RFC 1939 §7). USER/PASS, APOP and AUTH PLAIN log in with the
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
// failed command (or after Options.MaxFailedCommands of them, if set); failed
// logins have their own counts (lockout, AutoBan) and are not counted there.
// Message text is streamed, never held.
//
// # Logins that fail
//
// An unknown user and a wrong password get the same answer, after the same
// delay. Failures are counted per login name, for existing and unknown names
// alike, in memory and across sessions; a success resets the count. When a
// name reaches the Lockout limit, an existing account is written to
// [Pop-Locked], and from then on every login with that name, whatever the
// password, is answered "-ERR [AUTH] account locked" without the password
// being checked. So the "locked" answer tells nothing about which accounts
// exist (unknown names reach it the same way), and a locked account is no
// oracle for guessing its password. An account that was locked earlier (in
// [Pop-Locked] when this process started counting) is refused with the
// ordinary failure until the count reaches the limit again. /UNLOCK removes
// the [Pop-Locked] entry, and the next login finds the count reset; so does
// /ADDUSER for a name that reached the limit before it was an account. A
// password the server cannot check (mailq.key missing, a hash from the
// original MailQ) is refused the same way but not counted: that failure is
// the server's, and fixing it must not leave the account locked.
package pop3
