package mxa

import (
	"errors"
	"fmt"

	"mailq/address"
	"mailq/queue"
)

// checkAddresses returns why the envelope env must not go on the wire, or
// nil. Its addresses come from a file that any program able to write the
// queue can drop, and the .auth format carries any byte (%0D%0A is a CR LF):
// sent as read, a sender or recipient holding CR LF would end the MAIL or
// RCPT command early and smuggle in commands of its own (the next hop would
// see "RCPT TO:<x>" that nobody sent). Every address must therefore be one
// the SMTP server itself could have accepted: an RFC 5321 mailbox of
// printable ASCII (address.ParsePath, the parser the server uses), with a
// domain, within the length limits; the sender may also be null. A set
// received under SMTPUTF8 may also hold UTF-8 (RFC 6531 §3.3), never a
// control character (address.ParsePathUTF8).
func checkAddresses(env *queue.Envelope) error {
	checkMailbox := checkMailbox
	if env.SMTPUTF8 {
		checkMailbox = checkMailboxUTF8
	}
	if env.From != "" {
		if err := checkMailbox(env.From); err != nil {
			return fmt.Errorf("sender %q: %w", env.From, err)
		}
	}
	for _, r := range env.Recipients {
		if err := checkMailbox(r.Addr); err != nil {
			return fmt.Errorf("recipient %q: %w", r.Addr, err)
		}
		// The address as received goes into a failure notice's
		// Original-Recipient field (RFC 3464 §2.3.1), a header line.
		if r.Orig == "" {
			continue
		}
		if err := checkMailbox(r.Orig); err != nil {
			return fmt.Errorf("recipient %q, received as %q: %w", r.Addr, r.Orig, err)
		}
	}
	return nil
}

var errNoDomain = errors.New("mxa: an address without a domain cannot be relayed")

// checkMailbox checks one address as the agent writes it between angle
// brackets in MAIL FROM and RCPT TO (RFC 5321 §4.1.2, Path).
func checkMailbox(addr string) error { return checkPath(address.ParsePath, addr) }

func checkMailboxUTF8(addr string) error { return checkPath(address.ParsePathUTF8, addr) }

func checkPath(parse func(string) (address.Path, error), addr string) error {
	p, err := parse("<" + addr + ">")
	if err != nil {
		return err
	}
	if p.Null || p.Mailbox.Domain == "" {
		return errNoDomain
	}
	return nil
}
