// Package smtp is mailq's ESMTP receiver (RFC 5321): the listener and its
// connection limit, one state machine per connection, the Reply type, the
// relay decision, AUTH (PLAIN, LOGIN, CRAM-MD5), and DATA and BDAT
// (CHUNKING, RFC 3030, in bdat.go), which it streams into a queue.Draft with
// the trace and fix-up headers added in front. Both end in finishMessage,
// the one place for checks that need the whole message before the commit.
//
// It owns the conversation, not the files: every byte that reaches the disk
// goes through package queue, which commits a message (write, sync, rename,
// sync the folder) before the server answers 250 (RFC 5321 §6.1). It decides
// whether a recipient is acceptable (route, accounts, the relay level) but
// never delivers; a commit hook wakes the MDA. It must not import pop3, mda or
// mxa, print (it logs through *logs.Logger), keep configuration in globals, or
// implement abuse policies: those plug in through the Guard interface (and
// its LoginGuard extension for the limits on failed logins). What it does
// own is the answer to a failed AUTH: 535 5.7.8 for every reason (unknown
// name, wrong password, [Pop-Locked] account), the Guard's reply naming the
// block for an attempt it refused unchecked, and each of them FailDelay
// after the client's last response, so the time tells nothing either.
//
// # Replies
//
// Every reply is a Reply value with a code, an enhanced status code (RFC 3463)
// and text lines. Following RFC 2034 §3, the greeting and the replies to HELO
// and EHLO carry no enhanced code, and neither do 354 and 334, which are not
// 2xx, 4xx or 5xx. The non-standard TIME reply is "250 " and the time, as the
// MailQ manual specifies it for clients that use the server as a clock.
//
// # Where the manual is silent or wrong
//
//   - A reverse-path without angle brackets ("MAIL FROM: a@b") is accepted,
//     as the manual's own telnet example sends it.
//   - The null sender "<>" is accepted at every relay level: bounces must get
//     through (RFC 5321 §4.5.5), although the manual's FAQ says otherwise.
//   - The relay decision classifies a recipient by the domain it was sent to,
//     so an alias at a local domain that forwards elsewhere is local mail.
//   - FixHeaders writes RFC 5322 forms: "To: undisclosed-recipients:;"
//     rather than the manual's "To: Unspecified recipients", and marks the
//     message with one X-Fixed-Header field naming what was added.
//   - The envelope recipients are not written into the message (the manual's
//     X-Envelope-to would disclose Bcc recipients); "for <addr>" appears in
//     Received only when there is exactly one.
package smtp
