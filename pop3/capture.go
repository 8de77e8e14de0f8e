package pop3

import "mailq/config"

// Capture mode (Options.Capture.On, a test mail server): every recipient
// got a mailbox of its own, so a test logs in as the very address it sent
// to, with any password unless CaptureAuth; the mailbox read is the one the
// MDA filed into (config.Capture.MailboxFor: CaptureMailbox, or the address
// with its +tag folded under CapturePlusFold).

// checkLogin runs check, the credentials check, unless capture mode takes
// any password.
func (c *conn) checkLogin(check func() error) error {
	if openLogins(c.srv.opt.Capture) {
		return nil
	}
	return check()
}

// mailboxOf is the mailbox a login of name reads.
func (s *Server) mailboxOf(name string) string {
	if !s.opt.Capture.On {
		return name
	}
	return s.opt.Capture.MailboxFor(name)
}

func openLogins(c config.Capture) bool { return c.On && !c.Auth }
