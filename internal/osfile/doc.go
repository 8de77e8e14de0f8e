// Package osfile holds the few operating-system file primitives that
// mailq's files share: an exclusive cross-process lock, a rename that waits
// out a briefly held target on Windows, a folder sync that makes a rename
// durable (DURABILITY.md rules 1 and 14), and WriteFile, the one atomic
// replacement of a whole file (mailq.ini, mailq.key, ipblock.txt, the
// POP-before-SMTP and failed-login files, and the queue's .auth updates and
// .why notes).
//
// It owns no file format and no path; callers decide what to lock, write
// and rename. The queue keeps its own commit order for sets (no-replace
// links, .eml before .auth, cross-device moves), which these do not cover.
package osfile
