package pop3

import (
	"errors"
	"strings"
)

// maxLine is the longest command line accepted, without its line end. RFC
// 2449 §4 allows commands of 255 octets with the CRLF; AUTH's initial
// response and long passwords need a little more, so be generous while
// keeping memory bounded.
const maxLine = 1024

// maxVerb is the longest keyword: RFC 1939 §3 keywords are three or four
// characters; a little slack lets longer unknown words be answered politely.
const maxVerb = 16

// command is one parsed command line.
type command struct {
	verb string // the keyword in upper case
	arg  string // everything after the keyword and one space, as sent
}

// Parse errors. The loop answers both with replySyntax.
var (
	errEmpty   = errors.New("pop3: empty command line")
	errBadLine = errors.New("pop3: malformed command line")
)

// parseCommand splits a command line (without its line end) into keyword and
// argument text (RFC 1939 §3: a keyword, then arguments separated by single
// spaces). It is pure and total: any input gives a command or an error.
//
// The argument is kept as sent, because PASS takes the rest of the line as
// the password, spaces included (RFC 1939 §7). Control characters anywhere
// are refused: no command needs them, and they must not reach passwords or
// logs. The manual's MOTDn form (MOTD3) is read as MOTD with argument "3".
func parseCommand(line []byte) (command, error) {
	if len(line) == 0 {
		return command{}, errEmpty
	}
	for _, c := range line {
		if c < ' ' || c == 0x7f {
			return command{}, errBadLine
		}
	}
	s := string(line)
	verb, arg, _ := strings.Cut(s, " ")
	if verb == "" || len(verb) > maxVerb {
		return command{}, errBadLine
	}
	letters := len(verb)
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !isLetter(c) {
			letters = i
			break
		}
	}
	if letters == 0 {
		return command{}, errBadLine
	}
	if letters < len(verb) && strings.EqualFold(verb, "UTF8") {
		return command{verb: "UTF8", arg: arg}, nil // RFC 6856 §2
	}
	if letters < len(verb) {
		// Only MOTDn and UTF8 have a non-letter in their keyword.
		if arg != "" || !strings.EqualFold(verb[:letters], "MOTD") || !allDigits(verb[letters:]) {
			return command{}, errBadLine
		}
		return command{verb: "MOTD", arg: verb[letters:]}, nil
	}
	return command{verb: strings.ToUpper(verb), arg: arg}, nil
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxNumber bounds message numbers and TOP's line count; larger values are
// treated as "no such message" or "all lines".
const maxNumber = 1 << 30

// parseNumber reads a decimal argument: digits only, no sign (RFC 1939 §3
// message numbers and TOP's line count). Values above maxNumber are clamped
// to it. ok is false for anything else.
func parseNumber(s string) (n int, ok bool) {
	if !allDigits(s) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
		if n > maxNumber {
			return maxNumber, true
		}
	}
	return n, true
}
