// Package msgauth is sender authentication: SPF (RFC 7208) at MAIL, DKIM
// verification (RFC 6376) and DMARC (RFC 7489) after DATA, the
// refuse/accept/mark policies that turn their results into a reply, the
// Authentication-Results header field (RFC 8601), and DKIM signing for the
// MXA.
//
// The record parsing and the cryptography are the libraries'
// (blitiri.com.ar/go/spf, github.com/emersion/go-msgauth); this package
// wires them to mailq's resolver, with a cache that keeps answers for their
// TTL and a time limit per check, so a dead DNS server gives temperror, never
// a hang. It knows nothing of SMTP sessions: the smtp package asks it at
// fixed points (smtp/msgauth.go) and sends the replies it chooses.
package msgauth
