//go:build !windows

package testutil

// isReset: syscall.ECONNRESET is all there is on Unix.
func isReset(error) bool { return false }
