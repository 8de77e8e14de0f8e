package smtp

import (
	"mailq/config"
)

// Capture mode (Options.Capture.On, a test mail server): every recipient at
// every domain is accepted, whatever the relay level, because nothing is
// relayed: the MDA files every copy into a mailbox here. The mailbox must
// still be nameable as a folder, checked with the same function the MDA
// files with. AUTH accepts any name and password unless CaptureAuth.

// captureRcpt decides a recipient in capture mode: accepted unless its
// mailbox (config.Capture.MailboxFor) cannot name a folder.
func (s *session) captureRcpt(addr string) (Reply, bool) {
	return fileable(s.srv.opt.Capture.MailboxFor(addr))
}

// capturing reports whether the server runs in capture mode.
func (s *session) capturing() bool { return s.srv.opt.Capture.On }

// anyLogin reports whether AUTH takes any credentials: capture mode
// without CaptureAuth.
func (s *session) anyLogin() bool { return openLogins(s.srv.opt.Capture) }

func openLogins(c config.Capture) bool { return c.On && !c.Auth }
