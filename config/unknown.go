package config

import "fmt"

// unknownBound says MaxUnknownFolders in the start-up summary.
func unknownBound(n int) string {
	if n == 0 {
		return "no bound"
	}
	return fmt.Sprintf("at most %d", n)
}
