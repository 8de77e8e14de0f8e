package config

import "fmt"

// DefaultMaxUnknownFolders bounds the folders under UnknownPath when
// RefileUnknownUsers is on: enough for any real stream of misaddressed mail,
// small enough that a client naming a new address in every RCPT cannot fill
// the disk with folders (issue 22).
const DefaultMaxUnknownFolders = 1000

// unknownKeys are the keys that bound what RefileUnknownUsers keeps.
// [MDA] MaxUnknownFolders: once UnknownPath holds this many folders, RCPT
// refuses unknown users that have none yet (550 5.1.1, as with
// RefileUnknownUsers=False); 0 is no bound.
var unknownKeys = []keySpec{
	countKey("MDA", "MaxUnknownFolders", "a number of folders (0 = no bound)", func(c *Config) *int { return &c.MDA.MaxUnknownFolders }),
}

// unknownBound says MaxUnknownFolders in the start-up summary.
func unknownBound(n int) string {
	if n == 0 {
		return "no bound"
	}
	return fmt.Sprintf("at most %d", n)
}
