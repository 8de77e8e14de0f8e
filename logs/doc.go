// Package logs writes mailq's console lines and CSV log files.
//
// Console lines carry the local time, a session or worker id, the module
// (SMTP, ESMTP, POP3, MDA, MXA, DNSBL, or SERVER) and the text, coloured as
// the MailQ manual's colour table says, but only on a terminal and only when
// NO_COLOR is not set. CSV files in the logs folder (server.log and the dated
// smtp-, pop3-, mda-, mxa- and received- files) are written with
// encoding/csv. Each kind has one fixed set of columns (columns.go), named
// by a header row at the top of each file (file.go), and times in RFC 3339
// with the local offset.
//
// Much of the text comes from clients. Escape, the one escaping function of
// both the console and the files, writes every control character (C0, DEL,
// C1), line separator, bidirectional control and byte that is not UTF-8 as
// a visible escape, so a row is always one line and nothing a client sends
// can forge a row for grep or tail or drive a terminal; cell() also keeps a
// CSV cell from starting like a spreadsheet formula.
//
// logs is the only package besides main that prints. Other packages receive a
// *Logger and call its methods; they never write to os.Stdout themselves.
package logs
