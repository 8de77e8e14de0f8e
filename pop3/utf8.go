package pop3

import (
	"strings"

	"mailq/address"
)

// POP3 and UTF-8 (RFC 6856). CAPA lists "UTF8 USER": the UTF8 command is
// known, and user names and passwords may be UTF-8 (§2). UTF8, in the
// AUTHORIZATION state only, puts the session in UTF-8 mode (§2), in which
// the server's reply texts may hold UTF-8 (the account name in the answer
// to a login). Outside UTF-8 mode the replies stay ASCII.
//
// Two choices go beyond the letter of the RFC, both to keep clients that
// never send UTF8 working:
//   - a UTF-8 name or password is accepted before UTF8 too: such a client
//     sends the octets its user typed, and refusing them would only lock
//     the user out (mpop and fetchmail send no UTF8);
//   - messages are sent as they are, in UTF-8 mode and outside it: mailq
//     does not downgrade (RFC 6857) or hide a message with UTF-8 header
//     fields; the octets on the wire are those the MDA filed.
//
// A login name is read as the account parser reads addresses
// (address.ParseMailboxName): local part in NFC, domain as its A-label, in
// lower case, so "Jörg@Bücher.example" typed with a combining diaeresis or a
// U-label domain names the account "jörg@xn--bcher-kva.example" that
// /ADDUSER stored, and its mailbox folder.

// cmdUTF8 is RFC 6856 §2's UTF8: no argument; the table allows it only in
// the AUTHORIZATION state, as §2 requires. Sent again it changes nothing.
func cmdUTF8(c *conn, arg string) Reply {
	if !noArgs(arg) {
		return replySyntax
	}
	c.utf8 = true
	return ok("UTF-8 mode") // RFC 6856 §2
}

// loginName returns the account name a login names: the address in the form
// accounts are stored in, or the name in lower case when it is not one
// (then no account has it, and the login fails as for any unknown name).
func loginName(name string) string {
	if a, err := address.ParseMailboxName(name); err == nil {
		return a
	}
	return strings.ToLower(name)
}

// shownName is the account name for a reply text: as it is in UTF-8 mode or
// when it is ASCII, else "the mailbox" (RFC 6856 §2: UTF-8 in replies
// only in UTF-8 mode).
func (c *conn) shownName(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 && !c.utf8 {
			return "the mailbox"
		}
	}
	return name
}
