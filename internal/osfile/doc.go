// Package osfile holds the few operating-system file primitives that
// mailq's small state files share (mailq.ini, ipblock.txt, the
// POP-before-SMTP file): an exclusive cross-process lock, a rename that
// waits out a briefly held target on Windows, and a folder sync that makes a
// rename durable (DURABILITY.md rules 1 and 14).
//
// It owns no file format and no path; callers decide what to lock, write
// and rename. The queue keeps its own primitives (no-replace links,
// cross-device moves), which these do not cover.
package osfile
