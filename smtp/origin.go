package smtp

import "mailq/queue"

// origin says how far the sender of the message is known, for its .auth
// (queue.Origin): local for an authenticated session, a loopback client
// (a program on this host) or one the Guard trusts to relay, remote for
// anyone else, whose sender address is only what the client claimed. The
// agents use it to keep failure notices about alias targets from going to
// a forged sender (issue 22).
func (s *session) origin() queue.Origin {
	ip := s.ip.Unmap()
	if s.user != "" || !ip.IsValid() || ip.IsLoopback() || s.srv.guard.MayRelay(s.client()) {
		return queue.OriginLocal
	}
	return queue.OriginRemote
}
