// Package mailtest is mailq's connectivity tester, the counterpart of the
// original MailQ kit's mailtest.exe: it connects to an SMTP or POP3 server,
// logs in the way it is told, sends a small test message (SMTP) or shows the
// headers of message 1 (POP3), and prints a trace of the conversation with
// the time each step took.
//
// The command line and the exit codes are the original's, so scripts written
// for mailtest.exe keep working:
//
//	mailtest server mail-from rcpt-to [password] [/switches]   (SMTP)
//	mailtest server userid password /POP [/APOP] [/switches]   (POP3)
//	mailtest server userid /POP /RPOP [/switches]              (POP3, RPOP)
//
// It is reached as "mailq /mailtest ..." or by running the mailq binary under
// the name mailtest (a copy or a link). The package never reads mailq.ini and
// never touches the mail tree: it is a client, like any other.
//
// Passwords never appear in the trace: PASS, APOP digests and every AUTH
// exchange after the mechanism name are masked.
package mailtest
