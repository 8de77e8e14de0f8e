// Package logs writes mailq's console lines and CSV log files.
//
// Console lines carry the local time, a session or worker id, the module
// (SMTP, ESMTP, POP3, MDA, MXA, DNSBL, or SERVER) and the text, coloured as
// the MailQ manual's colour table says, but only on a terminal and only when
// NO_COLOR is not set. CSV files in the logs folder (server.log and the dated
// smtp-, pop3-, mda-, mxa- and received- files) are written with
// encoding/csv, so a comma, quote or newline in a subject can never break or
// forge a row.
//
// logs is the only package besides main that prints. Other packages receive a
// *Logger and call its methods; they never write to os.Stdout themselves.
package logs
