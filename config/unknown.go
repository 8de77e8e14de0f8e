package config

import "fmt"

// DefaultMaxUnknownFolders bounds the folders under UnknownPath when
// RefileUnknownUsers is on: enough for any real stream of misaddressed mail,
// small enough that a client naming a new address in every RCPT cannot fill
// the disk with folders (issue 22).
const DefaultMaxUnknownFolders = 1000

// unknownBound says MaxUnknownFolders in the start-up summary.
func unknownBound(n int) string {
	if n == 0 {
		return "no bound"
	}
	return fmt.Sprintf("at most %d", n)
}
