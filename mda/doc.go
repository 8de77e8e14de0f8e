// Package mda is the Mail Delivery Agent: it files each committed message
// set of the incoming queue into the mailboxes of local accounts, the
// unknown folder, or one set in the external queue holding only the
// external recipients, and then removes the set from the incoming queue. It
// resolves [EmailAlias] entries (through package route) and runs the
// [Scripts] delivery scripts.
//
// It must not name, open for writing or delete a file itself: every change
// to the tree goes through package queue. It imports neither the servers nor
// the MXA; the SMTP server wakes it through a channel and it wakes the MXA
// through a function, both passed in by main. It keeps no configuration in
// globals and never prints: events go to the *logs.Logger it is given.
//
// # Exactly once
//
// Filing a set is a sequence of idempotent steps, each durable before the
// next: every local copy (queue.Tree.Deliver, named by the queue id, so a
// replay finds it and writes nothing) and every set for a recipient given
// up (WriteSet into failed/), then the external set (WriteSet, ErrExists on
// a replay), then the failure notice for the recipients given up (the
// notice step both agents share, dsn's Notice.Write: into the queue under
// an id derived from the set's, ErrExists on a replay, its .auth naming
// the set), and only then the removal of the source. A crash anywhere is
// replayed from the start at the next run and neither loses nor doubles a
// copy. A notice, ours or the MXA's, is filed like any message, but only
// once its set has left the folder its .auth names (queue.Tree.Held; a
// notice of ours written before that field is recognised by its id,
// dsn.LocalID of another listed set), and the source's removal asks for a
// new scan, as the MXA's filing of its set does. So the replay of a source
// always finds its notice still in the queue, and the sender gets one
// (queue/doc.go, "Failure notices"). Every step copies bytes
// (the delivery headers must go on top), so a queue and a users folder on
// different file systems need nothing special. The per-recipient status
// kept in the incoming .auth is not used for progress, and is reset in the
// external set: a set an administrator moves back into the queue from
// failed/ or sent/ is delivered again, which is what re-queueing means.
//
// Two windows remain, both only across a crash, and both narrow: a copy
// that a POP3 client fetched and deleted (without POPRenameOnDelete)
// between its delivery and the removal of the source is delivered again at
// the replay; and the MXA, which is woken only after the source is removed,
// could find the external set on its own scan after a crash between its
// writing and the removal of the source, send it and move it on before
// the replay writes it again. A stop never leaves that window open: once
// every copy is written the source is removed whatever the context says.
//
// Direct filing (direct.go) is the one way a message reaches a mailbox
// without this sequence: the SMTP server writes the copy itself, for a set
// that would be one plain mailbox copy, and the agent only decides it
// (DirectBox) and logs it (Filed).
//
// # Decisions
//
//   - Account: a copy in users/<address>/, with Return-Path (RFC 5321
//     §4.4), Delivered-To (the mailbox) and X-Original-To (the address as
//     received, when an alias changed it) on top, and X-GUID (the
//     tracking id) if the message has none (a dropped-in set; the SMTP
//     server writes one). A Return-Path already in the message is removed
//     (RFC 5321 §4.4 lets the delivering server do so), so the SMTP
//     server may or may not write one: there is always exactly one, ours.
//
//   - Unknown user at a local domain: a copy in users/unknown/<address>/
//     when RefileUnknownUsers is on. Postmaster is always kept there, as
//     the address must always be accepted (RFC 5321 §4.5.1). With the
//     setting off the SMTP server refuses such recipients, so one reaches
//     the MDA only from a dropped-in set or an account deleted since RCPT:
//     it is given up into failed/ as <id>-<n> with status failed and a
//     550 5.1.1 result, and logged, so the mail is kept where the
//     administrator looks for failures. With SMTPEnableFailureBounce
//     (Options.FailureBounce) on, the sender also gets one RFC 3464
//     failure notice (package dsn) for all the recipients of the set given
//     up, written into the queue from the null sender (RFC 5321 §6.1);
//     none for a set from the null sender, so notices never loop (RFC 5321
//     §4.5.5).
//
//   - Alias loop (route.ErrLoop): logged, and the copy goes to the unknown
//     folder of the address as received, whatever RefileUnknownUsers says:
//     it is a configuration error, and the mail must stay in sight.
//
//   - External: one set <id> in the external queue with every external
//     recipient (numbers, sender, receive time and tracking id kept,
//     status reset to pending); the message goes without Return-Path,
//     which only a final delivery writes (RFC 5321 §4.4).
//
//   - Two recipients that lead to the same mailbox get one copy; the same
//     external address twice is sent once.
//
//   - The domainless "Postmaster" recipient (RFC 5321 §4.1.1.3) is
//     postmaster at the first local domain (the SMTP server already
//     writes it so; this covers dropped-in sets), kept in the unknown
//     folder even when no domain is local.
//
//   - A recipient that is not an RFC 5321 mailbox, or a local one whose
//     address cannot name a folder (address.SafeName, which the SMTP
//     server applies at RCPT, so only a dropped-in set or an alias
//     changed since brings one): given up on its own like an unknown
//     user, into failed/ as <id>-<n> with a 550 5.1.3 result, and in the
//     failure notice. It never holds back the other recipients of the set
//     (issue 22).
//
// A set that cannot be read or filed (a malformed .auth, a sender that is
// not an RFC 5321 mailbox, a message the file system refuses as too big, or
// one that made the agent panic) is quarantined into bad/ with a reason,
// before any copy is written when the problem is in the envelope. Anything
// else that fails (a full disk, a folder it cannot write) leaves the set in
// the queue and is tried again after a growing delay.
//
// # Scripts
//
// After a set is completely filed, each new copy in an account's mailbox
// runs that account's script and the system script, if any, with EML_FILE
// (the copy's path), SUBJECT (decoded), FROM (the envelope sender, empty
// for the null sender) and TO (the mailbox address) in the environment.
// The manual's table swaps the descriptions of FROM and TO; FROM is the
// sender here. The working folder is that of mailq.ini. Scripts run at
// most once per copy, asynchronously, four at a time, each with a time
// limit (a minute) after which its whole process tree is killed; output
// lines go to the MDA log. A full script queue skips the script with a log
// line rather than slow delivery down; at shutdown running scripts get a
// few seconds, then are killed. On POSIX a script runs directly when it is
// executable, else through sh; on Windows .bat and .cmd files run through
// cmd /c, .vbs and .js through cscript, .ps1 through powershell, anything
// else directly.
package mda
