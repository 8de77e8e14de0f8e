// Package mxa is the Mail Exchange Agent: it delivers the mail that the MDA
// put into the external queue to other servers, and owns the retry queue.
//
// # What it owns
//
// Routing (MX=Gateway: one host; MX=Local: the [LocalMX] table with its *
// catch-all and *,* fall-back to DNS; MX=Remote: DNS MX records by
// preference, the implicit MX of RFC 5321 §5.1, the null MX of RFC 7505),
// the SMTP client (EHLO or HELO, PIPELINING, SIZE, 8BITMIME, opportunistic
// or required STARTTLS, AUTH PLAIN/LOGIN at the gateway, the timeouts of
// RFC 5321 §4.5.3.2 scaled down), the per-recipient outcome of every attempt,
// the retry copies and their index of due times, expiry, and the RFC 3464
// failure notices it writes into the incoming queue for the MDA to deliver
// (package dsn renders them; the status and diagnostic of each recipient
// come from the outcome the MXA recorded).
//
// # Folders
//
// A set in external/ is attempted at once. Each recipient's outcome is
// recorded in its .auth before anything else happens (DURABILITY rule 9):
// 2yz delivered, 5yz failed, 4yz (or no answer, or a DNS failure) deferred.
// A deferred recipient gets its own copy in retry/, <id>-<n>, due after
// SendRetrySeconds plus up to a tenth more at random; a copy that fails
// again stays there with a later due time. When no recipient is left to
// try, the set goes to failed/ if any recipient failed (with a failure
// notice to the sender, unless SMTPEnableFailureBounce is off or the sender
// is null), else to sent/ (or is deleted with SMTPDeleteOnSend), else, all
// its recipients being in the care of their copies, it is removed.
// MessageExpiry counts from the receive time recorded in the .auth: a
// recipient still deferred after it fails with status 4.4.7.
//
// A server that did not answer (no connection, a timeout, a dropped
// connection) is skipped for SendRetrySeconds, at most
// five minutes: the sets queued for it are deferred at once instead of each
// holding a worker for a full timeout (hosts.go). A server that answers,
// but slowly (a tarpit), is not skipped; instead no destination gets more
// than MaxConnectionsPerDestination workers at once, and never all of them
// (dest.go): a set whose destination is full is parked by the scheduler,
// untouched, and made ready when a delivery there ends.
//
// Every address read from a set is checked with package address before
// anything is sent (validate.go): an .auth may hold any byte, and a CR LF
// in an address would become SMTP commands of its own. A set with one that
// the SMTP server could not have accepted goes to bad/ with a .why.
//
// # Failure notices, exactly once
//
// The notice's id is derived from the set's (dsn.ID), but that alone does
// not make it one notice: WriteSet refuses a second copy only while the
// first is still in the incoming queue, and the MDA may have filed it
// onward (to external/, then sent/, or sent and deleted) before a replay
// of the job writes it again. So the notice is written with the notice
// step both agents share (dsn's Notice.Write), whose .auth names the set
// and the folder it is in, and the MDA leaves it in the queue until the set
// has left that folder (queue.Tree.Held; queue/doc.go, "Failure notices"):
//
//  1. write the notice into the incoming queue (ErrExists on a replay:
//     kept, it says the same);
//  2. file the set into failed/ (Move, or Remove when failed/ has it);
//  3. wake the MDA (Options.Bounced), which now files the notice.
//
// The notice is written only by the job of its set, which runs only while
// the set is in external/ or retry/, that is before step 2, and the MDA
// files it only after step 2. So the replay of a crash before 2 finds the
// notice in the queue, and after 2 nothing writes it again; a crash after
// 2 leaves a notice the MDA files at its next scan.
//
// # Delivery status notifications (RFC 3461)
//
// The DSN request a client gave (RET, ENVID, NOTIFY, ORCPT; queue format
// version 4) goes on to a next hop that offers DSN (dsnsend.go), which then
// reports success itself: the recipient is marked passed=. For one that
// does not, a recipient with NOTIFY=SUCCESS gets a success notice from here
// (Action relayed), in the same notice as the set's failures, written the
// same way. NOTIFY without FAILURE (NEVER) leaves a recipient out of the
// failure notice. A recipient of a set still deferred DelayWarningHours
// after the receive time gets one delay notice (Action delayed) when its
// NOTIFY asks for DELAY or is absent (warnDelay, in dsn.go): it is written
// under dsn.DelayID of the set, before the set records warned= on the
// recipient and before it moves, and the MDA holds it only until that
// record (queue.NoticeOf.Delay), so a replay finds it or finds the mark.
// A deferred recipient's retry copy is its own set: each such recipient
// gets at most one delay notice.
//
// Before queue format version 3 this agent staged the notice in retry/
// and moved it into the queue after step 2 (a release). A tree written
// then may hold a staged notice after an upgrade; it is still sent once:
// the set's job finds it staged, files the set and releases it, and a
// staged notice whose set is filed already is recognised by its run
// (releaseStaged: a base id from the null sender, without a notice field,
// whose X-Mailq-Queue-ID names a set n with dsn.ID(n) equal to its id; the
// sets this agent files in retry/ have derived ids) and released.
//
// Every step can be replayed after a crash without losing a recipient or
// sending one twice, except for the window every MTA has: a server's 250
// that arrived but was not yet recorded. The window is a single fsync long,
// and a failure to record is logged.
//
// # What it must not do
//
// It never delivers to a local mailbox or to itself: mail for a local
// domain, or to a server that is our own listening address and port, is a
// routing loop (a temporary failure, so a configuration error can be fixed
// before the mail expires). It touches files only through package queue,
// prints only through package logs, and does not import the servers or the
// MDA; main wires it to them with a wake-up channel and a callback.
package mxa
