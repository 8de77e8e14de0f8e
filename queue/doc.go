// Package queue owns every message file in the mailq tree: the incoming
// queue, external/, retry/, sent/, failed/, bad/ and the user mailboxes. It
// is the only code that names, writes, moves, reads or deletes them, and it
// implements the rules of docs/durability.md: write, sync, rename, sync the
// folder; the .auth file is the commit mark; names are reserved and never
// replaced; moves are idempotent; Recover repairs the tree at start.
//
// It must not log or print (it returns errors and Repair reports), keep
// configuration in globals, or build a path from anything but a queue id, a
// fixed name and address.SafeName. It imports no project package but
// mailq/address and mailq/internal/osfile.
//
// # Writing files
//
// A file that is replaced on purpose (an .auth updated with UpdateEnvelope,
// a .why note, a mailbox's index cache) is written with osfile.WriteFile,
// the one atomic write all of mailq uses: temporary file, sync, rename over
// the old file, folder sync, with the syncs going through the tree's test
// seam. Everything else keeps the queue's own commit order, because the
// format needs it: a name is reserved with O_EXCL and never replaced
// (DURABILITY rule 4), so a set is installed by a no-replace rename of the
// .eml and then of the .auth, the commit mark (rule 2), and a move renames
// the .eml before the .auth so that a replay can finish it (rule 7).
//
// # Folders and names
//
// A message set is <id>.eml, the RFC 5322 message with CRLF line ends, and
// <id>.auth, its envelope. The .auth is written last and is the commit mark:
// an .eml alone is uncommitted, and every reader ignores it. In a mailbox
// (users/<address>/, users/unknown/<address>/) a message is <id>.eml alone;
// the rename from a temporary name commits it. Other names:
//
//	~*.tmp           temporary files; removed by Recover when old
//	<id>.out         in a queue folder: an envelope half way through a move
//	                 between file systems; Recover settles it
//	<id>.why         in bad/: why the set was quarantined
//	mailbox.lck      in a mailbox: the POP3 lock file
//	deleted/         in a mailbox: messages kept by POPRenameOnDelete
//
// An id is 22 digits, the UTC time YYYYMMDDhhmmss of receipt and 8 random
// digits, such as 2013100717060690338676; the copy of a message for its
// recipient number n is <id>-n (see ID.Derive). Files whose names are not
// of these forms are left alone.
//
// # The .auth format, versions 1 to 4
//
// An .auth file is UTF-8 or ASCII text (a leading byte-order mark is
// ignored), one field per line, lines ending in LF or CRLF. The first line
// is "mailq-envelope 1", the format and its version. Then come fields, each
// a key and its value separated by spaces or tabs, in any order; blank
// lines and lines starting with "#" are ignored. The last line is "end": a
// file without it is torn and is never acted on (DURABILITY rule 3). A
// later, incompatible format gets a new version number, which this reader
// refuses. Example:
//
//	mailq-envelope 1
//	id 2013100717060690338676
//	tracking 326ADE6D-945E-4EB8-907A-E01B2B0794CD
//	received 2013-10-07T17:06:06.512300117Z
//	client 127.0.0.1
//	helo localhost
//	auth admin@localhost.com
//	from admin@localhost.com
//	body 8BITMIME
//	size 27
//	rcpt admin@localhost.com n=1 status=delivered
//	rcpt bob@example.org n=2 orig=sales@localhost.com status=pending attempts=2 next=2013-10-07T17:36:06Z result=421%204.7.0%20Try%20again%20later
//	rcpt "john%20doe"@example.org n=3 status=failed attempts=1 result=550%205.1.1%20No%20such%20user
//	end
//
// Fields (each at most once, except rcpt; "first read" means filled in and
// recorded by the first reader, see "Dropping a message" below):
//
//	id        the set's id; must match the file name (absent: first read)
//	tracking  the tracking id, the same in every copy of the message
//	          (absent: a new one, first read)
//	received  the original receive time, RFC 3339 (any offset; written
//	          in UTC with nanoseconds). Expiry counts from it, never
//	          from a file time. (absent: first read)
//	client    the SMTP client's IP address (absent: none)
//	helo      the HELO or EHLO argument (absent: none)
//	auth      the authenticated user (absent: not authenticated)
//	origin    version 2 only: how far the sender is known; "local" (an
//	          authenticated session, a loopback client, or one trusted
//	          to relay: [RelayIPs], POP-before-SMTP) or "remote" (any
//	          other client: the sender address is only what it claimed).
//	          Absent: unknown (a dropped-in set, or one written before
//	          version 2), treated like local
//	from      the envelope sender; "<>" is the null sender (required)
//	body      7BIT or 8BITMIME (RFC 6152) (absent: 7BIT)
//	smtputf8  version 4 only: "yes" when MAIL carried SMTPUTF8 (RFC 6531
//	          §3.4): addresses and header fields may hold UTF-8, and the
//	          MXA sends it on with SMTPUTF8 to a next hop that offers
//	          it, and to one that does not only when its addresses'
//	          local parts and its header are ASCII (absent: no)
//	size      bytes in the .eml (absent or 0: first read)
//	notice    version 3 only: this set is the failure notice of another
//	          set, written as <folder>/<id>: the set's id and the folder
//	          it was in when an agent gave up its recipients, "queue"
//	          for the MDA, "external" or "retry" for the MXA. See
//	          "Failure notices" below. Absent: not a notice, or one
//	          written before version 3
//	report    version 4 only: "delayed" for a delay notice (RFC 3464
//	          Action: delayed), which is held only until its set
//	          records it (warned below), not until the set is filed.
//	          Absent: a final notice (failed, delivered or relayed)
//	ret       version 4 only: RET of MAIL (RFC 3461 §4.3), FULL or HDRS:
//	          how much of the message a notice returns (absent: HDRS)
//	envid     version 4 only: ENVID of MAIL (RFC 3461 §4.4), xtext
//	          decoded, then escaped like any value (absent: none)
//	rcpt      a recipient: its address, then key=value attributes
//	          (at least one rcpt line is required):
//	            n         its number, 1 to 999999, unique in the message,
//	                      kept in every copy (names its copy <id>-n);
//	                      absent: numbered after the highest given
//	            orig      the address as received, before alias expansion;
//	                      present only when an alias changed it, so it
//	                      marks a recipient that came from an expansion
//	            status    pending, delivered or failed (absent: pending)
//	            attempts  delivery attempts so far (absent: 0)
//	            next      earliest next attempt, RFC 3339 (absent: now)
//	            result    the last result, e.g. the remote reply line
//	          and, version 4 only (RFC 3461 delivery status notifications):
//	            notify    NOTIFY of RCPT: NEVER, or SUCCESS, FAILURE and
//	                      DELAY joined by commas (absent: FAILURE,DELAY)
//	            orcpt     ORCPT of RCPT as type;address, xtext decoded
//	                      ("rfc822;Bob@example.org"; absent: none)
//	            warned    when the MXA wrote this recipient's delay notice,
//	                      RFC 3339: the mark that it is written once
//	            passed    "yes": the next hop offered DSN and was given
//	                      NOTIFY and ORCPT, so it reports success itself
//
// Addresses under SMTPUTF8 are stored in one form: the local part in
// Unicode NFC as received, the domain as its A-label (a U-label domain and
// its A-label are one domain); their bytes beyond ASCII are escaped as
// every value's. The mailbox folder of such an address is
// address.SafeName's: lower case, NFC, and beyond ASCII only letters,
// marks and digits (no look-alike of "/", "\", ":" or ".", no invisible or
// bidirectional character), so it is one safe name on Windows and Linux.
//
// Version 2 is version 1 plus the origin field, version 3 is version 2
// plus the notice field, version 4 is version 3 plus the smtputf8 field and
// the DSN fields (report, ret, envid and the rcpt attributes notify, orcpt,
// warned, passed), which came in together. A writer writes the lowest
// version that holds the envelope's fields (1 without origin, notice,
// smtputf8 and DSN fields), so everything an older
// reader could read stays readable to it (an older mailq refuses a newer
// file: after a downgrade, move sets back from bad/). A reader reads all
// four; a field in a file of an older version than the field's is an
// unknown key, so readers of every version agree on every older file. Failure
// notices use origin and orig: a recipient reached through an alias that
// changed its domain is not named in a notice for mail from a remote
// sender (package dsn, Withheld), so a forged sender cannot learn where an
// alias forwards.
//
// Values: every byte that is a control character, a space, DEL, outside
// ASCII, "%", "<" or ">" is written as "%" and two hex digits (a space is
// %20), so a value from a client (a HELO name, a quoted local part, a
// reply text) is always one token and can never add a line or a field. A
// reader accepts either case of hex digit, raw bytes outside ASCII, and an
// address written in angle brackets (<a@b>), as people write them; it
// refuses raw control characters, unknown keys or attributes, a repeated
// field, a bad escape and anything after "end". Keywords (body, status)
// are case-insensitive. Writers always produce the canonical form: fields
// in the order of the example, upper-case escapes, n and status on every
// rcpt line.
//
// # Failure notices
//
// Both agents give up recipients and write one failure notice per set
// given up (package dsn writes it, with Notice.Write), into the incoming
// queue, under an id derived from the failed set's, with the notice field
// naming that set and the folder it is in. The notice is written before
// the set is filed (removed from the queue by the MDA, moved to failed/ by
// the MXA), and the MDA files a notice onward only once it is not Held:
// once its set has left the folder the field names. So a replay of the set
// after a crash, which runs only while the set is still in that folder,
// always finds its notice still in the queue (ErrExists) and the sender
// gets one notice. Notices written before version 3 have no field: the
// MDA recognises its own by their id (dsn.LocalID of another listed set),
// and the MXA still releases the ones it staged in retry/ (mxa/doc.go).
//
// Success notices (RFC 3461 NOTIFY=SUCCESS: Action delivered for a local
// mailbox, relayed for a next hop that does not offer DSN) are recipients
// of the same notice: one final notice per set, failed and successful
// recipients together, written the same way. A delay notice (Action
// delayed) is written by the MXA once per set, when a recipient of its own
// is still deferred DelayWarningHours after the receive time, under
// dsn.DelayID of the set with "report delayed": it is held while the set
// is in its folder and no recipient of it has warned=, and the set records
// warned= right after writing it. A replay before the mark finds the notice
// held in the queue (ErrExists); after the mark no notice is due; so each
// set gets at most one.
//
// # Dropping a message into the queue
//
// Another program can hand mail to mailq by writing a set into the incoming
// queue folder. The minimum .auth is:
//
//	mailq-envelope 1
//	from sender@example.org
//	rcpt someone@localhost.com
//	end
//
// Name the set with a fresh id (the UTC time as YYYYMMDDhhmmss and any 8
// digits), write <id>.eml (RFC 5322, CRLF line ends) completely first, then write the .auth under a
// temporary name (starting with "~" and ending with ".tmp") and rename it
// to <id>.auth: the rename commits. Missing optional fields are filled in
// and recorded by the first reader (Tree.Envelope): the id from the file
// name, a new tracking id, the .eml's size, and as receive time the .auth's
// modification time, that is, when the program committed the set; after
// that the recorded time never changes. Recover leaves an .eml without its
// .auth alone until it is older than the longest session, then moves it to
// bad/.
//
// # Errors
//
// Errors from the file system are *FileError values (Op, Path, Err).
// errors.Is(err, ErrNoSpace) is true for ENOSPC and EDQUOT (the SMTP server
// answers 452 4.3.1), errors.Is(err, ErrTooBig) for EFBIG (552 5.3.4, and
// Temporary() is false); everything else is temporary (451 4.3.0). A
// malformed .auth wraps ErrMalformed.
package queue
