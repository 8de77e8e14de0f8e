// Package accounts owns mail accounts: the [Users] and [Pop-Locked] sections
// of mailq.ini and the key file mailq.key. It adds, changes, deletes and
// unlocks accounts for the command line, and checks USER/PASS, AUTH PLAIN,
// AUTH LOGIN (CheckPassword), APOP (RFC 1939) and AUTH CRAM-MD5 (RFC 2195)
// for the servers, re-reading the files when they change so that commands
// run while a server is up take effect at once.
//
// It must not touch mail folders, print, or log (callers log the errors it
// returns), and it never stores or returns a password in plain text outside
// memory. It edits mailq.ini only through inifile, one section at a time.
//
// # Stored values
//
// Each [Users] line is "address=v1:<data>": the address in lower case, and
// <data> the unpadded base64url (RFC 4648 §5) encoding of a 12-byte random
// nonce followed by the AES-256-GCM sealing of the password. Before sealing,
// the password is padded to a multiple of 64 bytes (one 0x80 byte, then
// zeros), so the value does not tell its length. The additional
// authenticated data is "mailq account v1", a zero byte and the address, so a
// value copied to another account's line no longer opens. "v1" is the format
// version: any other value, such as the hash strings of the original MailQ,
// is an account whose password must be set again with /SETPASS; until then
// every login fails with ErrSecret.
//
// mailq.key holds the 32-byte AES key as text: comment lines starting with
// '#' and one line "v1:<base64url of the key>". The first /ADDUSER (or a
// /SETPASS when no value needs an older key) creates it with mode 0600 (on
// Windows the folder's permissions apply): a temporary file, synced, then
// linked to its name, which never replaces an existing key, so concurrent
// first runs agree on one key.
//
// # What the files tell a reader
//
// Someone who reads mailq.ini alone learns the account names, how many there
// are and whether a password is 64 bytes or longer, and nothing more: without
// the key no password can be recovered, tested offline or forged, and a value
// moved between accounts fails to open. Someone who can write mailq.ini can
// delete accounts or put back an older value of the same account (an old
// password), not set a password of their choosing.
//
// Someone who copies the whole folder including mailq.key learns every
// password. That cannot be avoided while APOP and CRAM-MD5 are offered: both
// prove knowledge of the password itself (APOP hashes it with the server's
// timestamp, CRAM-MD5 keys an HMAC with it), so the server must be able to
// recover it. Keep mailq.key out of shared copies, archives and backups that
// others can read, and back it up separately: without it no account can log
// in.
package accounts
