// Package wire owns the bytes on an SMTP or POP3 connection that are not the
// meaning of a command: bounded command lines (LineReader), the DATA
// dot-decoder (DataReader) and the dot-encoder for stored mail going out
// (DotWriter, MessageSize, WriteTop), whose octet counts POP3 reports.
//
// It is a leaf package: standard library only, and no I/O beyond the
// readers and writers it is given. It must not parse commands, build
// replies, open files or choose limits; limits are arguments. The one
// deadline it sets is the read deadline of ClockReader, from the time limit
// it is given: time per command line, not per read.
// Memory use is bounded by its arguments whatever the peer sends.
//
// # Receiving DATA
//
// RFC 5321 and the SMTP smuggling attacks (CVE-2023-51764 and its kin) make
// one rule matter most: two servers must agree where a message ends. So the
// data ends only at CRLF "." CRLF, and only real CRLFs count (RFC 5321
// §4.1.1.4); the CRLF of the DATA command is the first one, so data that
// starts with ".\r\n" is an empty message. Anything else passes into the
// message.
//
// The stored message must have CRLF line ends only (RFC 5322 §2.3), so a
// bare LF and a CR not followed by LF are each stored as CRLF. Such a bare
// line end starts a new line for dot-unstuffing, but a line after it can
// never end the data. Dot-unstuffing removes one leading '.' from every
// line (RFC 5321 §4.5.2), including a line that was "." alone yet did not end
// the data, which is stored empty. The effect: a stored line is "." only
// where the client sent "..", so no variant can leave a terminator-looking
// line behind for another program to misread.
//
// Each case, as raw input after a real CRLF ("¶" marks where the data goes
// on):
//
//	input           stored          data ends?
//	".\r\n"                         yes
//	"..\r\n"        ".\r\n"         no
//	".x\r\n"        "x\r\n"         no   (a client that forgot to stuff)
//	".\n¶"          "\r\n¶"         no
//	".\r¶" (¶≠LF)   "\r\n¶"         no
//	"x\n¶"          "x\r\n¶"        no
//	"x\r¶" (¶≠LF)   "x\r\n¶"        no
//	"\r\r\n"        "\r\n\r\n"      no
//
// and after a bare LF or bare CR:
//
//	".\r\n"         "\r\n"          no   ("\n.\r\n": the CRLF before the dot is not real)
//	".\n", ".\r"    "\r\n"          no   ("\n.\n", "\r.\r")
//	"..\r\n"        ".\r\n"         no
//
// The line after any of these is an ordinary line: after "\n.\r\n" the data
// ends at the next ".\r\n", because the CRLF before it is real.
//
// A message over the size limit is read on to the terminator and dropped,
// then ErrTooLarge lets the caller answer 552. A connection that closes
// before the terminator gives io.ErrUnexpectedEOF. Lines may be of any
// length; they are streamed, never held. Bytes after the terminator stay in
// the bufio.Reader for the command loop.
//
// # Sending stored mail
//
// DotWriter is the inverse: CRLF for every line end (bare LF and bare CR
// included), a doubled leading dot, and ".\r\n" on Close. Decoding its output
// gives back the message with CRLF line ends and a final CRLF. Its Size is
// the message size POP3 reports (RFC 1939 §11): line ends counted as CRLF,
// doubled dots and the terminator not counted. MessageSize and WriteTop run
// through the same writer, so STAT, LIST, RETR and TOP can never disagree.
package wire
