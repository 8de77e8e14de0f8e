package smtp

import (
	"crypto/tls"
	"errors"

	"mailq/address"
	"mailq/tlsconf"
)

// SMTPUTF8 (RFC 6531), the receiving side: offered in EHLO; a MAIL with the
// SMTPUTF8 parameter may use UTF-8 in its path and makes the transaction's
// RCPT paths UTF-8 too (address.ParseRcptArgUTF8: local parts in NFC,
// domains as A-labels, so routing, the local-domain check and the mailbox
// folder see one form). Without the parameter a UTF-8 path gets 553 5.6.7
// (RFC 6531 §3.5). The flag goes into the .auth file (queue.Envelope
// SMTPUTF8) for the agents that pass the message on.

// parseMail parses MAIL's argument: as ASCII, or, when the path is not
// ASCII, as UTF-8, which the SMTPUTF8 parameter must then allow. utf
// reports that the parameter was given.
func parseMail(text string) (a address.Arg, utf bool, err error) {
	a, err = address.ParseMailArg(text)
	if errors.Is(err, address.ErrNonASCII) {
		var err8 error
		if a, err8 = address.ParseMailArgUTF8(text); err8 != nil {
			return address.Arg{}, false, err8
		}
		if _, ok := a.Params.Get("SMTPUTF8"); !ok {
			return address.Arg{}, false, err // RFC 6531 §3.5: 553 5.6.7
		}
	} else if err != nil {
		return address.Arg{}, false, err
	}
	_, utf = a.Params.Get("SMTPUTF8")
	return a, utf, nil
}

// utf8Proto is the "with" of Received under SMTPUTF8 (RFC 6531 §4.3):
// UTF8SMTP, with S for TLS and A for an authenticated client, and the TLS
// comment as tlsProto's.
func utf8Proto(auth bool, cs *tls.ConnectionState) string {
	p := "UTF8SMTP"
	if cs != nil {
		p += "S"
	}
	if auth {
		p += "A"
	}
	if cs != nil {
		p += " (" + tlsconf.Describe(*cs) + ")"
	}
	return p
}
