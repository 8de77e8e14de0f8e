// Package lockfile owns mailq's lock files: the instance locks
// (smtpserver.lck, popserver.lck) that keep a second instance of the same kind
// from starting in one folder and whose removal by `mailq /stop` tells the
// running instance to shut down, and the POP3 mailbox locks that allow one
// session per mailbox across processes.
//
// # File format (version 1)
//
// A lock file is short UTF-8 text with LF line ends. The first line is the
// owner's process id alone, so the file also works as a classic pid file
// (`kill $(head -n1 smtpserver.lck)`). The second line names the format;
// key=value lines follow, in this order, and readers ignore keys they do not
// know:
//
//	4242
//	mailq-lock=1
//	host=mailhost
//	exe=/opt/mailq/mailq
//	started=2025-01-31T09:15:02.123456789Z
//	instance=5d41402abc4b2a76
//	token=9f86d081884c7d659a2feaa0c55ad015
//
// host is os.Hostname, exe os.Executable, started the UTC time the lock was
// taken, instance 8 random bytes in hex fixed for the life of the process,
// and token 16 random bytes in hex that make every acquisition unique. A
// lock is "ours" while the file at its path carries our token.
//
// # Rules
//
// A lock whose owner runs on this host is stale, and is taken over, when its
// process has exited, when its PID is our own but its instance is not (an
// earlier process had our PID, as PID 1 in a restarted container), or when
// its PID now runs a program with a different base name (PID reuse); so is a file that cannot be parsed once it is older than a short
// grace period (a younger one may still be being written). A lock written on
// another host is always treated as held: its PID means nothing here.
//
// The package must not know what a lock protects: it names no files, starts
// and stops nothing, prints nothing, and imports no project package. It never
// deletes a lock file that belongs to a live owner, except through Remove,
// which is the explicit /stop request.
package lockfile
